package store

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestTransactionsThatReadFirstDoNotFailUnderWrites: a transaction that reads before it writes
// (DeleteUnrecordedEvents does) while other connections keep writing must wait for the lock, not fail
// with "database is locked (517)" (SQLITE_BUSY_SNAPSHOT, which busy_timeout cannot wait out). nvrd once
// refused logins for 20 s that way while retention ran.
func TestTransactionsThatReadFirstDoNotFailUnderWrites(t *testing.T) {
	s := openTestStore(t)
	ctx := context.Background()
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	stop := make(chan struct{})
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				e := &Event{CameraID: "yard", Kind: EventMotion, Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second), Score: 1}
				if err := s.CreateEvent(ctx, e); err != nil {
					errs <- err
					return
				}
				// A pause between writes, as nvrd's writers have: writers that never pause would starve
				// the others of SQLite's lock (its busy handler polls; it is not fair), which is not this test.
				time.Sleep(time.Millisecond)
			}
		}()
	}
	var firstErr error
	for i := 0; i < 100 && firstErr == nil; i++ {
		if _, err := s.DeleteUnrecordedEvents(ctx, nil, t0.Add(time.Duration(i)*time.Second)); err != nil {
			firstErr = err
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	if firstErr != nil {
		t.Fatalf("retention's transaction failed while events were written: %v", firstErr)
	}
	for err := range errs {
		t.Fatalf("writing an event failed while retention ran: %v", err)
	}
}

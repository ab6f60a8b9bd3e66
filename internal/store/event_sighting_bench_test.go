package store

import (
	"context"
	"testing"
	"time"
)

// BenchmarkAddSightings is one tracked object's write every 5 s (5 sightings of keyframes 1 s apart);
// BenchmarkUpdateEventBaseline is the event update the engine already makes at most as often, measured
// in the same run to compare against.
func BenchmarkAddSightings(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	t0 := time.Now()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%(MaxSightings/5) == 0 { // a new event before the cap is reached
			b.StopTimer()
			e := &Event{CameraID: "yard", Kind: EventObject, Start: t0, Labels: []string{"dog"}}
			if err := s.CreateEvent(ctx, e); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		var id int64
		_ = s.db.QueryRowContext(ctx, `SELECT MAX(id) FROM events`).Scan(&id)
		if err := s.AddSightings(ctx, id, sightingsAt(t0, 5*i, 5*i+1, 5*i+2, 5*i+3, 5*i+4)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUpdateEventBaseline(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	e := &Event{CameraID: "yard", Kind: EventObject, Start: time.Now(), Labels: []string{"dog"}, Boxes: []Box{{Label: "dog", Score: 0.5, Box: [4]float64{0.1, 0.1, 0.3, 0.3}}}}
	if err := s.CreateEvent(ctx, e); err != nil {
		b.Fatal(err)
	}
	var id int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = s.db.QueryRowContext(ctx, `SELECT MAX(id) FROM events`).Scan(&id)
		e.Score = float64(i%100) / 100
		if err := s.UpdateEvent(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

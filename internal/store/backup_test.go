package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackupRestoreAndRecovery: a backup keeps the settings but not the index; a garbage database is
// moved aside and replaced by the newest backup; only seven daily backups are kept.
func TestBackupRestoreAndRecovery(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &Camera{Name: "Gate", URL: "rtsp://127.0.0.1:8554/x", Enabled: true, CameraSettings: DefaultSettings()}
	if err := st.CreateCamera(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRecording(ctx, &Recording{CameraID: c.ID, Kind: KindEvent, Start: time.Now(), Dir: "x"}); err != nil {
		t.Fatal(err)
	}
	fp1, _ := st.SettingsFingerprint(ctx)
	for i := 0; i < 9; i++ {
		if _, err := st.AutoBackup(ctx, dir, time.Now().AddDate(0, 0, -i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(Backups(dir)); n != BackupsKept {
		t.Fatalf("%d backups kept, want %d", n, BackupsKept)
	}
	if fp2, _ := st.SettingsFingerprint(ctx); fp2 != fp1 {
		t.Fatal("a recording changed the settings fingerprint")
	}
	if err := st.CreateCamera(ctx, &Camera{Name: "Door", URL: "rtsp://127.0.0.1:8554/y", CameraSettings: DefaultSettings()}); err != nil {
		t.Fatal(err)
	}
	if fp3, _ := st.SettingsFingerprint(ctx); fp3 == fp1 {
		t.Fatal("a new camera left the settings fingerprint unchanged")
	}
	st.Close()
	db := filepath.Join(dir, FileName)
	os.Remove(db + "-wal")
	os.Remove(db + "-shm")
	if err := os.WriteFile(db, []byte(strings.Repeat("not a database ", 500)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(ctx, db); err == nil {
		t.Fatal("Check passed a garbage file")
	}
	st, rec, err := OpenRecovering(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if rec.MovedTo == "" || rec.FromBackup != Backups(dir)[0] || !strings.Contains(rec.Sentence(), "moved aside") {
		t.Fatalf("recovery %+v: %s", rec, rec.Sentence())
	}
	if _, err := os.Stat(rec.MovedTo); err != nil {
		t.Fatal(err)
	}
	cams, _ := st.Cameras(ctx)
	if len(cams) != 1 || cams[0].Name != "Gate" {
		t.Fatalf("cameras from the backup: %+v", cams)
	}
	if recs, _ := st.AllRecordings(ctx); len(recs) != 0 {
		t.Fatalf("the backup holds %d recordings; the index is rebuilt from disk", len(recs))
	}
	// A whole database opens without any recovery.
	st.Close()
	st, rec, err = OpenRecovering(ctx, dir)
	if err != nil || rec.Problem != "" {
		t.Fatalf("second open: %v %+v", err, rec)
	}
	// Restore refuses a file that is not a database.
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("junk"), 0o600)
	if _, err := Restore(ctx, dir, junk); err == nil || !strings.Contains(err.Error(), "cannot be restored") {
		t.Fatalf("restore of junk: %v", err)
	}
}

package app

import (
	"context"
	"time"

	"github.com/nvrproject/nvr/internal/store"
)

// openStore opens the database for the nvrd that owns the data directory: a missing, truncated or
// corrupt nvr.db is moved aside and replaced by the newest backup (store.OpenRecovering); the
// recorder's start-up reconcile then indexes every recording directory on disk.
func openStore(opt Options) (*store.Store, error) {
	st, rec, err := store.OpenRecovering(context.Background(), opt.DataDir)
	if err != nil {
		return nil, err
	}
	if s := rec.Sentence(); s != "" {
		opt.Log.Warn(s)
	}
	return st, nil
}

// backupLoop keeps DATA/backups current: a backup at start, then a new one (today's file, replaced
// during the day) whenever the settings tables change; store.AutoBackup keeps the last seven days.
func (a *App) backupLoop(ctx context.Context) error {
	every := a.backupEvery
	if every <= 0 {
		every = 10 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	var last string
	var lastDay string
	for {
		fp, err := a.Store.SettingsFingerprint(ctx)
		day := store.BackupName(time.Now())
		if err == nil && (fp != last || day != lastDay) {
			if path, err := a.Store.AutoBackup(ctx, a.dataDir, time.Now()); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				a.log.Warn("cannot back up the settings; the previous backups are kept", "err", err)
			} else {
				last, lastDay = fp, day
				a.log.Debug("settings backed up", "file", path)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// neverReused lists the tables whose ids are handed out to people (links to a recording or an event):
// they are AUTOINCREMENT, so an id once given is never given again, even after the newest row is deleted
// and the store reopened (a plain INTEGER PRIMARY KEY reuses max(id)+1, and an old link would then show
// other footage). The DDL is the table's CREATE statement in the code.
func neverReused() []struct{ table, ddl string } {
	return []struct{ table, ddl string }{
		{"recordings", recordingMigrations[0]},
		{"events", eventMigrations[0]},
	}
}

// ensureAutoincrement rebuilds, in one transaction, each table of neverReused made before its id was
// AUTOINCREMENT: every row (with its id), every index and the rows referring to it are kept; the
// sequence starts after the largest id there is. A table that is already AUTOINCREMENT is left alone.
func (s *Store) ensureAutoincrement(ctx context.Context) error {
	for _, t := range neverReused() {
		if err := s.rebuildAutoincrement(ctx, t.table, t.ddl); err != nil {
			return fmt.Errorf("make the %s table's ids never reused: %w", t.table, err)
		}
	}
	return nil
}

// rebuildAutoincrement makes table's id AUTOINCREMENT: the new table is the old one as the database has
// it (columns added by ALTER TABLE included) with only that changed.
func (s *Store) rebuildAutoincrement(ctx context.Context, table, ddl string) error {
	have, err := s.tableDDL(ctx, table)
	if err != nil {
		return err
	}
	if strings.Contains(strings.ToUpper(have), "AUTOINCREMENT") {
		return nil
	}
	if !strings.Contains(ddl, "AUTOINCREMENT") {
		return fmt.Errorf("the table's definition in the code is not AUTOINCREMENT")
	}
	idCol := regexp.MustCompile(`(?i)\bid\s+INTEGER\s+PRIMARY\s+KEY\b`)
	newDDL, err := renameCreate(table, have)
	if err != nil {
		return err
	}
	loc := idCol.FindStringIndex(newDDL)
	if loc == nil {
		return fmt.Errorf("the table's definition in the database has no integer id: %q", have)
	}
	return s.rebuildTable(ctx, table, newDDL[:loc[1]]+" AUTOINCREMENT"+newDDL[loc[1]:])
}

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

func (s *Store) rebuildAutoincrement(ctx context.Context, table, ddl string) error {
	var have string
	if err := s.db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type='table' AND name=?`, table).Scan(&have); err != nil {
		return fmt.Errorf("read the table's definition: %w", err)
	}
	if strings.Contains(strings.ToUpper(have), "AUTOINCREMENT") {
		return nil
	}
	// The new table is the old one as it is now (with the columns later parts of the schema added to it
	// by ALTER TABLE, which the code's first CREATE lacks) with its id made AUTOINCREMENT.
	if !strings.Contains(ddl, "AUTOINCREMENT") {
		return fmt.Errorf("the table's definition in the code is not AUTOINCREMENT")
	}
	head := regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+("?)` + regexp.QuoteMeta(table) + `("?)\s*\(`)
	idCol := regexp.MustCompile(`(?i)\bid\s+INTEGER\s+PRIMARY\s+KEY\b`)
	if !head.MatchString(have) || !idCol.MatchString(have) {
		return fmt.Errorf("the table's definition in the database is not the one expected: %q", have)
	}
	newDDL := head.ReplaceAllString(have, "CREATE TABLE "+table+"_new (")
	loc := idCol.FindStringIndex(newDDL)
	newDDL = newDDL[:loc[1]] + " AUTOINCREMENT" + newDDL[loc[1]:]

	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// With foreign keys on, dropping the old table would delete the rows that refer to it (ON DELETE
	// CASCADE); they are checked again below before the commit.
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys=OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys=ON`) //nolint:errcheck // the connection is closed next
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing

	// The old table's columns in its order (a column added by ALTER TABLE is last) and its indexes.
	var cols []string
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, `"`+c+`"`)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var indexes []string
	rows, err = tx.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL`, table)
	if err != nil {
		return err
	}
	for rows.Next() {
		var q string
		if err := rows.Scan(&q); err != nil {
			rows.Close()
			return err
		}
		indexes = append(indexes, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	list := strings.Join(cols, ", ")
	steps := []string{
		`DROP TABLE IF EXISTS ` + table + `_new`,
		newDDL,
		`INSERT INTO ` + table + `_new(` + list + `) SELECT ` + list + ` FROM ` + table,
		`DROP TABLE ` + table,
		`ALTER TABLE ` + table + `_new RENAME TO ` + table,
	}
	steps = append(steps, indexes...)
	for _, q := range steps {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	rows, err = tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	bad := rows.Next()
	rows.Close()
	if bad {
		return fmt.Errorf("foreign keys no longer match after the rebuild; the database was left as it was")
	}
	return tx.Commit()
}

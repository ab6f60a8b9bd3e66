package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
)

// tableDDL is a table's CREATE statement as the database has it (with the columns later parts of the
// schema added by ALTER TABLE, which the code's first CREATE lacks).
func (s *Store) tableDDL(ctx context.Context, table string) (string, error) {
	var ddl string
	if err := s.db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type='table' AND name=?`, table).Scan(&ddl); err != nil {
		return "", fmt.Errorf("read the %s table's definition: %w", table, err)
	}
	return ddl, nil
}

// renameCreate turns a table's CREATE statement into the one of its rebuild, table_new.
func renameCreate(table, ddl string) (string, error) {
	head := regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?("?)` + regexp.QuoteMeta(table) + `("?)\s*\(`)
	if !head.MatchString(ddl) {
		return "", fmt.Errorf("the %s table's definition in the database is not the one expected: %q", table, ddl)
	}
	return head.ReplaceAllString(ddl, "CREATE TABLE "+table+"_new ("), nil
}

// rebuildTable replaces table by one made with newDDL (a CREATE TABLE of table_new), the way SQLite
// documents for changes ALTER TABLE cannot make (a CHECK constraint, AUTOINCREMENT): on one connection
// with foreign keys off, in one transaction, it copies every row of the columns both tables have (ids
// included), drops the old table, renames the new one, makes the old table's indexes again, checks the
// foreign keys of the rows referring to it (ON DELETE CASCADE would otherwise have emptied them) and
// commits. Anything failing leaves the database as it was.
func (s *Store) rebuildTable(ctx context.Context, table, newDDL string) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys=OFF`); err != nil {
		return err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys=ON`) //nolint:errcheck // the connection is closed next
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing

	indexes, err := queryStrings(ctx, tx, `SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=? AND sql IS NOT NULL`, table)
	if err != nil {
		return err
	}
	for _, q := range []string{`DROP TABLE IF EXISTS ` + table + `_new`, newDDL} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	// The columns both tables have, in the old table's order (a column added by ALTER TABLE is last).
	oldCols, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return err
	}
	newCols, err := queryStrings(ctx, tx, `SELECT name FROM pragma_table_info(?)`, table+"_new")
	if err != nil {
		return err
	}
	in := map[string]bool{}
	for _, c := range newCols {
		in[c] = true
	}
	var cols []string
	for _, c := range oldCols {
		if in[c] {
			cols = append(cols, `"`+c+`"`)
		}
	}
	list := strings.Join(cols, ", ")
	steps := []string{
		`INSERT INTO ` + table + `_new(` + list + `) SELECT ` + list + ` FROM ` + table,
		`DROP TABLE ` + table,
		`ALTER TABLE ` + table + `_new RENAME TO ` + table,
	}
	for _, q := range append(steps, indexes...) {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
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

// queryStrings is the one text column of a query's rows.
func queryStrings(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

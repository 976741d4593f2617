package records

import (
	"context"
	"database/sql"
	"iter"
	"strings"
)

// A column describes, once, a column a reader reads: its name in the
// table, whether a schema without it is refused, the SQL expression that
// selects it, and where its value lands in a scanned row. A reader lists
// its columns in one columnTable; the schema check (the *UnsupportedError
// naming the missing columns), the SELECT list and the row indexes all
// come from that list, so adding an iOS column is one line in it (and the
// use of its value).
type column struct {
	// at receives the column's index in a scanned row: its place in the
	// table.
	at *int
	// name is the column's name in its table; "ROWID" is the row id,
	// which every table has.
	name string
	// required refuses a schema whose table lacks the column; an
	// optional column the table lacks is selected as NULL.
	required bool
	// expr, when set, is the SQL expression selected instead of the
	// column itself (a value of a joined table); on then names the
	// condition under which it can be selected (see selectList).
	expr, on string
	// orElse is the SQL expression selected when the table lacks the
	// column; "" selects NULL.
	orElse string
}

// columnTable is the list of a reader's columns, in scan order.
type columnTable []column

// columnsOf makes a table of cols, giving each its index.
func columnsOf(cols ...column) columnTable {
	for i, c := range cols {
		*c.at = i
	}
	return cols
}

// missing returns the required columns that have (the columns of the
// table, as the columns function gives them) lacks, in table order.
func (t columnTable) missing(have map[string]bool) []string {
	var out []string
	for _, c := range t {
		if c.required && !have[c.name] {
			out = append(out, c.name)
		}
	}
	return out
}

// names returns the column names in table order.
func (t columnTable) names() []string {
	out := make([]string, len(t))
	for i, c := range t {
		out[i] = c.name
	}
	return out
}

// selectList returns the SELECT list: for each column, as present
// writes it when have has it (rowid, which every table has, as rowid
// writes it), expr when set and ok(on) allows it, else orElse or NULL.
func (t columnTable) selectList(have map[string]bool, rowid string, present func(name string) string, ok func(on string) bool) string {
	sel := make([]string, len(t))
	for i, c := range t {
		switch {
		case c.expr != "":
			sel[i] = "NULL"
			if ok != nil && ok(c.on) {
				sel[i] = c.expr
			}
		case strings.EqualFold(c.name, "ROWID"):
			sel[i] = rowid
		case have[c.name]:
			sel[i] = present(c.name)
		case c.orElse != "":
			sel[i] = c.orElse
		default:
			sel[i] = "NULL"
		}
	}
	return strings.Join(sel, ", ")
}

// row returns a reusable row of len(t) values and the pointers to scan
// into it.
func (t columnTable) row() (v, ptrs []any) {
	v = make([]any, len(t))
	ptrs = make([]any, len(t))
	for i := range v {
		ptrs[i] = &v[i]
	}
	return v, ptrs
}

// eachRow scans each row of rows into v (through ptrs, as row makes them)
// and yields v, reused from row to row. A row that cannot be scanned is
// yielded as a *RowError for table and the scan goes on. When ctx is done
// the scan ends with ctx's error (the driver interrupts the statement, so
// a cursor error then is ctx's doing); another cursor error ends it with
// fail(err). The caller closes rows.
func eachRow(ctx context.Context, rows *sql.Rows, table string, v, ptrs []any, fail func(error) error) iter.Seq2[[]any, error] {
	return func(yield func([]any, error) bool) {
		for rows.Next() {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			clear(v)
			if err := rows.Scan(ptrs...); err != nil {
				if !yield(nil, &RowError{Table: table, Err: err}) {
					return
				}
				continue
			}
			if !yield(v, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			if ctx.Err() != nil {
				err = ctx.Err()
			} else {
				err = fail(err)
			}
			yield(nil, err)
		}
	}
}

// requiredOf is the check of a side table read with a list of columns,
// all required.
func requiredOf(want []string) func(have map[string]bool) []string {
	return func(have map[string]bool) []string { return missingColumns(have, want) }
}

// requiredColumns returns an *UnsupportedError naming the required
// columns of t that table (whose columns are have) lacks; nil when none,
// and when the table is absent (the caller decides whether it may be).
func requiredColumns(database, table string, have map[string]bool, t columnTable) error {
	if len(have) == 0 {
		return nil
	}
	if m := t.missing(have); len(m) > 0 {
		return &UnsupportedError{Database: database, Table: table, Missing: m}
	}
	return nil
}

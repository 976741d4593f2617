package sqlitecarve

import (
	"strings"
)

// Affinity is a column's type affinity, from its declared type by
// SQLite's rules.
type Affinity byte

// Affinities.
const (
	AffBlob Affinity = iota // no declared type, or BLOB
	AffText
	AffNumeric
	AffInteger
	AffReal
)

// Column is one column of a table.
type Column struct {
	Name     string
	Type     string // declared type, as written
	Affinity Affinity
}

// Table is a rowid table of the database, with the column list of its
// CREATE TABLE statement.
type Table struct {
	Name     string
	RootPage uint32
	Columns  []Column
	// RowIDAlias is the index of the INTEGER PRIMARY KEY column, whose
	// value is the rowid (stored as NULL in the record); -1 when none.
	RowIDAlias int
	SQL        string
}

// ColumnIndex returns the index of the named column (case-insensitive),
// or -1.
func (t *Table) ColumnIndex(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

func affinity(decl string) Affinity {
	u := strings.ToUpper(decl)
	switch {
	case strings.Contains(u, "INT"):
		return AffInteger
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return AffText
	case u == "" || strings.Contains(u, "BLOB"):
		return AffBlob
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return AffReal
	}
	return AffNumeric
}

// sqlTokens splits SQL into tokens: identifiers/keywords/numbers, quoted
// names (unquoted), string literals (kept quoted) and punctuation.
func sqlTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return out
			}
			i += j + 4
		case c == '"' || c == '`' || c == '[' || c == '\'':
			end := c
			if c == '[' {
				end = ']'
			}
			j := i + 1
			var b strings.Builder
			for j < len(s) {
				if s[j] == end {
					if end != ']' && j+1 < len(s) && s[j+1] == end {
						b.WriteByte(end)
						j += 2
						continue
					}
					break
				}
				b.WriteByte(s[j])
				j++
			}
			if c == '\'' {
				out = append(out, "'"+b.String()+"'")
			} else {
				out = append(out, "\x00"+b.String()) // marks a quoted identifier
			}
			i = j + 1
		case isIdent(c):
			j := i
			for j < len(s) && isIdent(s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			out = append(out, s[i:i+1])
			i++
		}
	}
	return out
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func unquote(tok string) string { return strings.TrimPrefix(tok, "\x00") }

// parseCreateTable reads the column list of a CREATE TABLE statement. ok
// is false for statements it cannot read, virtual tables, CREATE TABLE ...
// AS SELECT, and WITHOUT ROWID tables (whose rows live in an index b-tree).
func parseCreateTable(sql string) (cols []Column, alias int, ok bool) {
	toks := sqlTokens(sql)
	i := 0
	expect := func(words ...string) bool {
		for _, w := range words {
			if i >= len(toks) || !strings.EqualFold(toks[i], w) {
				return false
			}
			i++
		}
		return true
	}
	if !expect("CREATE") {
		return nil, -1, false
	}
	if i < len(toks) && (strings.EqualFold(toks[i], "TEMP") || strings.EqualFold(toks[i], "TEMPORARY")) {
		i++
	}
	if !expect("TABLE") {
		return nil, -1, false
	}
	if expect("IF") && !expect("NOT", "EXISTS") {
		return nil, -1, false
	}
	// name, possibly schema.name
	i++
	if i < len(toks) && toks[i] == "." {
		i += 2
	}
	if i >= len(toks) || toks[i] != "(" {
		return nil, -1, false
	}
	i++
	// split the top level on commas
	var defs [][]string
	depth, start := 0, i
	for ; i < len(toks); i++ {
		switch toks[i] {
		case "(":
			depth++
		case ")":
			if depth == 0 {
				defs = append(defs, toks[start:i])
				goto tail
			}
			depth--
		case ",":
			if depth == 0 {
				defs = append(defs, toks[start:i])
				start = i + 1
			}
		}
	}
	return nil, -1, false
tail:
	for _, t := range toks[i+1:] {
		if strings.EqualFold(t, "ROWID") {
			return nil, -1, false // WITHOUT ROWID
		}
	}
	alias = -1
	for _, d := range defs {
		if len(d) == 0 {
			return nil, -1, false
		}
		first := strings.ToUpper(d[0])
		if d[0][0] != 0 && (first == "CONSTRAINT" || first == "PRIMARY" || first == "UNIQUE" || first == "CHECK" || first == "FOREIGN") {
			if first == "PRIMARY" && alias < 0 {
				// PRIMARY KEY (x) on a lone INTEGER column makes it the alias
				if n := tablePK(d); n != "" {
					for k, c := range cols {
						if strings.EqualFold(c.Name, n) && strings.EqualFold(c.Type, "INTEGER") {
							alias = k
						}
					}
				}
			}
			continue
		}
		col := Column{Name: unquote(d[0])}
		j := 1
		var typ []string
		for ; j < len(d); j++ {
			u := strings.ToUpper(d[j])
			if d[j][0] != 0 && isConstraintWord(u) {
				break
			}
			if d[j] == "(" { // type arguments: VARCHAR(10)
				for j < len(d) && d[j] != ")" {
					j++
				}
				continue
			}
			typ = append(typ, unquote(d[j]))
		}
		col.Type = strings.Join(typ, " ")
		col.Affinity = affinity(col.Type)
		for ; j+1 < len(d); j++ {
			if strings.EqualFold(d[j], "PRIMARY") && strings.EqualFold(d[j+1], "KEY") && strings.EqualFold(col.Type, "INTEGER") {
				desc := j+2 < len(d) && strings.EqualFold(d[j+2], "DESC")
				if !desc {
					alias = len(cols)
				}
			}
		}
		cols = append(cols, col)
	}
	if len(cols) == 0 {
		return nil, -1, false
	}
	return cols, alias, true
}

func tablePK(d []string) string {
	// PRIMARY KEY ( name [ASC|DESC] )
	if len(d) >= 5 && d[2] == "(" && (d[4] == ")" || len(d) >= 6 && d[5] == ")") {
		return unquote(d[3])
	}
	return ""
}

func isConstraintWord(u string) bool {
	switch u {
	case "CONSTRAINT", "PRIMARY", "NOT", "NULL", "UNIQUE", "CHECK", "DEFAULT", "COLLATE", "REFERENCES", "GENERATED", "AS":
		return true
	}
	return false
}

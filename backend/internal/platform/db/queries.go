package db

import (
	"bufio"
	"fmt"
	"strings"
)

// Queries holds the named SQL statements of one .sql file. A statement
// starts with a line `-- name: Name` and runs to the next such line.
type Queries struct {
	file string
	byID map[string]string
}

// MustParseQueries parses an embedded .sql file of named queries and panics
// on a malformed file (a programming error caught by any test).
func MustParseQueries(file, text string) Queries {
	q := Queries{file: file, byID: map[string]string{}}
	var name string
	var body strings.Builder
	flush := func() {
		if name == "" {
			return
		}
		sql := strings.TrimSpace(body.String())
		sql = strings.TrimSuffix(sql, ";")
		if sql == "" {
			panic(fmt.Sprintf("%s: query %s is empty", file, name))
		}
		if _, dup := q.byID[name]; dup {
			panic(fmt.Sprintf("%s: query %s defined twice", file, name))
		}
		q.byID[name] = sql
		body.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			flush()
			name = strings.TrimSpace(rest)
			continue
		}
		if name != "" {
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	flush()
	return q
}

// SQL returns the named statement. An unknown name is a programming error.
func (q Queries) SQL(name string) string {
	s, ok := q.byID[name]
	if !ok {
		panic(fmt.Sprintf("%s: no query named %s", q.file, name))
	}
	return s
}

// Names lists the statements in the file.
func (q Queries) Names() []string {
	names := make([]string, 0, len(q.byID))
	for n := range q.byID {
		names = append(names, n)
	}
	return names
}

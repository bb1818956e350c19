package store

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
)

// dialect is the one place where SQLite and PostgreSQL differ.
type dialect int

const (
	sqlite dialect = iota
	postgres
)

func (d dialect) name() string {
	if d == postgres {
		return "postgres"
	}
	return "sqlite"
}

func (d dialect) goose() goose.Dialect {
	if d == postgres {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

// skipLocked is appended to a SELECT that claims a row for work. PostgreSQL lets several
// nodes claim different rows at once; SQLite has one writer, so the clause is not needed.
func (d dialect) skipLocked() string {
	if d == postgres {
		return " FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// isUniqueViolation reports whether err is a unique-constraint failure on either database.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// groupConcat joins a column's values with spaces (an aggregate).
func (d dialect) groupConcat(col string) string {
	if d == postgres {
		return "string_agg(" + col + ", ' ')"
	}
	return "group_concat(" + col + ", ' ')"
}

// forNoKeyUpdate is appended to a SELECT of a row the transaction must hold until it commits,
// so that transactions checking the same rule run one after the other. PostgreSQL needs it
// against write skew (each of two transactions passes a check that the other's write breaks);
// SQLite's one writer already runs write transactions one at a time.
func (d dialect) forNoKeyUpdate() string {
	if d == postgres {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

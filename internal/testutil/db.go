// Package testutil builds test databases and data for Portico's tests.
package testutil

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/portico-dev/portico/internal/store"
)

// PostgresEnv names the variable that points the tests at a PostgreSQL database. The test
// script creates a fresh database per run; each store opened here gets a schema of its own
// in it, dropped when the test ends.
const PostgresEnv = "PORTICO_TEST_DATABASE_URL"

// Dialects returns the databases the suite runs against: SQLite always, PostgreSQL when
// PORTICO_TEST_DATABASE_URL is set.
func Dialects() []string {
	if os.Getenv(PostgresEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// ForEachDialect runs f as a subtest per dialect, each with its own fresh store.
func ForEachDialect(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) { f(t, MustOpenDB(t, d)) })
	}
}

// MustOpenDB opens a fresh, migrated store of the dialect, closed when the test ends.
func MustOpenDB(tb testing.TB, dialect string) *store.Store {
	tb.Helper()
	dsn := MustDSN(tb, dialect)
	s, err := store.Open(context.Background(), dsn, nil)
	if err != nil {
		tb.Fatalf("open %s store: %v", dialect, err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// MustDSN returns the DSN of a fresh, empty database of the dialect: a SQLite file in a
// temporary directory, or a new PostgreSQL schema.
func MustDSN(tb testing.TB, dialect string) string {
	tb.Helper()
	if dialect == "sqlite" {
		return filepath.Join(tb.TempDir(), "portico.db")
	}
	base := os.Getenv(PostgresEnv)
	if base == "" {
		tb.Skip(PostgresEnv + " is not set")
	}
	schema := fmt.Sprintf("t_%d_%s", time.Now().UnixNano(), strings.ToLower(strings.ReplaceAll(store.NewID()[24:], "-", "")))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect %s: %v", PostgresEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

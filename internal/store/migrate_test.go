package store_test

import (
	"context"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

var migrationName = regexp.MustCompile(`^(\d{5})_[a-z0-9_]+\.sql$`)

// migrationFiles lists a dialect's migration files as embedded (the package directory).
func migrationFiles(t *testing.T, dialect string) []string {
	t.Helper()
	dir := "migrations/" + dialect
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	last := 0
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if e.IsDir() || m == nil {
			t.Errorf("%s/%s: not a migration file named like 00001_name.sql", dir, e.Name())
			continue
		}
		v, _ := strconv.Atoi(m[1])
		if v <= last {
			t.Errorf("%s/%s: version %d does not follow %d", dir, e.Name(), v, last)
		}
		last = v
		b, err := os.ReadFile(dir + "/" + e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "-- +goose Up") || !strings.Contains(string(b), "-- +goose Down") {
			t.Errorf("%s/%s: lacks a -- +goose Up or Down section", dir, e.Name())
		}
		names = append(names, e.Name())
	}
	if len(names) == 0 {
		t.Fatalf("%s: no migrations", dir)
	}
	return names
}

func TestMigrations(t *testing.T) {
	t.Run("SameVersionsInBothDialects", func(t *testing.T) {
		sqlite, postgres := migrationFiles(t, "sqlite"), migrationFiles(t, "postgres")
		if diff := cmp.Diff(sqlite, postgres); diff != "" {
			t.Fatalf("migration files differ between dialects (-sqlite +postgres):\n%s", diff)
		}
	})

	t.Run("ReopenIsNoop", func(t *testing.T) {
		for _, d := range testutil.Dialects() {
			t.Run(d, func(t *testing.T) {
				ctx := t.Context()
				dsn := testutil.MustDSN(t, d)
				var first logRecorder
				s1, err := store.Open(ctx, dsn, first.logger())
				if err != nil {
					t.Fatal(err)
				}
				if got, want := first.count("migrated"), len(migrationFiles(t, d)); got != want {
					s1.Close()
					t.Fatalf("first open applied %d migrations, want %d", got, want)
				}
				f := mustAccount(t, s1, "Kept")
				before := snapshot(t, s1)
				if err := s1.Close(); err != nil {
					t.Fatal(err)
				}

				var second logRecorder
				s2, err := store.Open(ctx, dsn, second.logger())
				if err != nil {
					t.Fatalf("reopen: %v", err)
				}
				defer s2.Close()
				if err := s2.Migrate(ctx); err != nil {
					t.Fatalf("migrate again: %v", err)
				}
				if n := second.count("migrated"); n != 0 {
					t.Fatalf("reopening applied %d migrations again", n)
				}
				// Nothing changed: no data lost, no version rows added.
				wantUnchanged(t, s2, before)
				if _, err := s2.FindAccountByID(ctx, f.Account.ID); err != nil {
					t.Fatalf("account after reopen: %v", err)
				}
			})
		}
	})

	// Both dialects end with the same tables, columns and nullability.
	t.Run("SameSchema", func(t *testing.T) {
		if len(testutil.Dialects()) < 2 {
			t.Skip(testutil.PostgresEnv + " is not set")
		}
		lite := schemaColumns(t, testutil.MustOpenDB(t, "sqlite"))
		pg := schemaColumns(t, testutil.MustOpenDB(t, "postgres"))
		if diff := cmp.Diff(lite, pg); diff != "" {
			t.Fatalf("schemas differ (-sqlite +postgres):\n%s", diff)
		}
	})
}

// schemaColumns lists "table.column [NOT NULL]" for every application table.
func schemaColumns(t *testing.T, s *store.Store) []string {
	t.Helper()
	q := `SELECT m.name || '.' || p.name || CASE WHEN p."notnull" = 1 OR p.pk > 0 THEN ' NOT NULL' ELSE '' END
		FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`
	if s.Dialect() == "postgres" {
		q = `SELECT table_name || '.' || column_name || CASE WHEN is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END
			FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name <> 'goose_db_version'`
	}
	cols := queryStrings(t, store.RawDB(s), q)
	slices.Sort(cols)
	if len(cols) < 20 {
		t.Fatalf("%s schema has only %v", s.Dialect(), cols)
	}
	return cols
}

// logRecorder keeps the messages logged through its logger.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *logRecorder) logger() *slog.Logger { return slog.New(recordHandler{r}) }

func (r *logRecorder) count(msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

type recordHandler struct{ r *logRecorder }

func (h recordHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h recordHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h recordHandler) WithGroup(string) slog.Handler            { return h }
func (h recordHandler) Handle(_ context.Context, rec slog.Record) error {
	h.r.mu.Lock()
	defer h.r.mu.Unlock()
	h.r.msgs = append(h.r.msgs, rec.Message)
	return nil
}

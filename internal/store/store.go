// Package store keeps Portico's state in SQLite or PostgreSQL behind one set of methods.
// Both dialects share the same hand-written SQL ($N placeholders work on both); the few
// differences live in dialect.go.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/portico-dev/portico/internal/domain"
)

//go:embed migrations
var migrations embed.FS

// Store is the database. Methods take ctx first, run in one transaction each and return
// *domain.Error codes as documented on each.
type Store struct {
	dialect dialect
	// w is the writer. On SQLite it has exactly one connection, so writes queue in Go rather
	// than fail with "database is locked"; r is a pool of read-only connections (WAL lets them
	// read while the writer writes). On PostgreSQL both are the same pool.
	w, r *sql.DB
	pool *pgxpool.Pool
	// Now is the clock; tests replace it. Times are truncated to microseconds, the
	// precision both databases keep, so that values read back compare equal.
	Now func() time.Time
	log *slog.Logger
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open connects to dsn (a postgres:// URL or a SQLite file path) and migrates the schema.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{Now: time.Now, log: log}
	var err error
	if IsPostgres(dsn) {
		err = s.openPostgres(ctx, dsn)
	} else {
		err = s.openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := s.Migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string) error {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("store: connect postgres: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	s.dialect, s.w, s.r, s.pool = postgres, db, db, pool
	return nil
}

func (s *Store) openSQLite(path string) error {
	if path == "" {
		return errors.New("store: empty database path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("store: create data directory: %w", err)
		}
	}
	// _txlock=immediate takes the write lock at BEGIN, so a read-then-write transaction
	// cannot fail half-way; busy_timeout covers other processes (portico migrate).
	common := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_time_format=sqlite"
	w, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("store: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", "file:"+path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("store: open sqlite readers: %w", err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	s.dialect, s.w, s.r = sqlite, w, r
	return nil
}

// Migrate applies every pending migration of the store's dialect.
func (s *Store) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+s.dialect.name())
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	p, err := goose.NewProvider(s.dialect.goose(), s.w, sub)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	for _, r := range res {
		s.log.Info("migrated", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}

// Close releases the connections.
func (s *Store) Close() error {
	var err error
	if s.r != s.w {
		err = s.r.Close()
	}
	if e := s.w.Close(); e != nil {
		err = e
	}
	if s.pool != nil {
		s.pool.Close()
	}
	return err
}

// Ping checks that the database answers, for /readyz.
func (s *Store) Ping(ctx context.Context) error { return s.r.PingContext(ctx) }

// Dialect names the database: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect.name() }

func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// NewID returns a new opaque id (a UUIDv7: unique and roughly time-ordered, which keeps
// b-tree inserts at the right edge).
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// Tx is one transaction with the one "now" all its writes use.
type Tx struct {
	*sql.Tx
	now time.Time
	s   *Store
}

// write runs fn in a read-write transaction and commits if fn returns nil.
func (s *Store) write(ctx context.Context, fn func(*Tx) error) error {
	return s.inTx(ctx, s.w, fn)
}

// read runs fn in a transaction on a reader connection.
func (s *Store) read(ctx context.Context, fn func(*Tx) error) error {
	return s.inTx(ctx, s.r, fn)
}

func (s *Store) inTx(ctx context.Context, db *sql.DB, fn func(*Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer sqlTx.Rollback()
	if err := fn(&Tx{Tx: sqlTx, now: s.now(), s: s}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// notFound maps sql.ErrNoRows to a domain not-found error, wraps anything else, and passes nil.
func notFound(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NotFound(what)
	}
	return fmt.Errorf("store: %s: %w", what, err)
}

// nullTime converts a nullable time column to a pointer in UTC.
func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

func nullInt(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func intArg(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func timeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

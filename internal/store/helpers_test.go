package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// t0 is the start of the fake clock: far from the wall clock, so that code which reads
// time.Now instead of the store's clock shows up.
var t0 = time.Date(2031, 3, 14, 9, 0, 0, 0, time.UTC)

// clock is a fake store clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// useClock makes s read the time from a new fake clock set to t.
func useClock(s *store.Store, t time.Time) *clock {
	c := &clock{t: t}
	s.Now = c.Now
	return c
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func ptr[T any](v T) *T { return &v }

var seq atomic.Int64

// uniqueEmail returns a new address for name.
func uniqueEmail(name string) string {
	return fmt.Sprintf("%s%d@example.com", name, seq.Add(1))
}

// uniqueHash returns a new stand-in for a token hash.
func uniqueHash(kind string) string {
	return fmt.Sprintf("%s-hash-%d-%s", kind, seq.Add(1), store.NewID())
}

// wantCode fails the test unless err carries the domain error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type fixture struct {
	Account *domain.Account
	Admin   *domain.Member
}

// mustAccount creates an account with a fresh administrator.
func mustAccount(t *testing.T, s *store.Store, name string) fixture {
	t.Helper()
	a, m, err := s.CreateAccount(t.Context(), name, store.NewAdmin{Email: uniqueEmail("admin"), FirstName: "Ada", LastName: "Admin", PasswordHash: "admin-hash"})
	if err != nil {
		t.Fatalf("create account: %v", err)
	}
	return fixture{a, m}
}

// mustInvite invites email to the account and returns the token hash of the link.
func mustInvite(t *testing.T, s *store.Store, f fixture, email string, level domain.AccountLevel) (string, *domain.Invitation) {
	t.Helper()
	hash := uniqueHash("inv")
	inv := &domain.Invitation{AccountID: f.Account.ID, Email: email, Level: level, InvitedBy: f.Admin.ID}
	if err := s.CreateInvitation(t.Context(), inv, hash, store.OutgoingMail{To: email, Subject: "Join " + f.Account.Name, Text: "link"}); err != nil {
		t.Fatalf("invite %s: %v", email, err)
	}
	return hash, inv
}

// mustMember adds a new user to the account at level through an invitation.
func mustMember(t *testing.T, s *store.Store, f fixture, level domain.AccountLevel) *domain.Member {
	t.Helper()
	email := uniqueEmail(string(level))
	hash, _ := mustInvite(t, s, f, email, level)
	m, _, err := s.AcceptInvitation(t.Context(), hash, store.Acceptance{FirstName: "Mem", LastName: "Ber", PasswordHash: "member-hash", SessionTokenHash: uniqueHash("sess")})
	if err != nil {
		t.Fatalf("accept invitation: %v", err)
	}
	return m
}

// mustSession opens a session for the user in accountID ("" for none) and returns its token hash.
func mustSession(t *testing.T, s *store.Store, userID, accountID string) (string, *domain.Session) {
	t.Helper()
	hash := uniqueHash("sess")
	sess := &domain.Session{UserID: userID, AccountID: accountID, UserAgent: "test", IP: "127.0.0.1"}
	if err := s.CreateSession(t.Context(), sess, hash); err != nil {
		t.Fatalf("create session: %v", err)
	}
	return hash, sess
}

// sessionLive reports whether the session token still signs its user in.
func sessionLive(t *testing.T, s *store.Store, hash string) bool {
	t.Helper()
	_, _, err := s.FindPrincipalBySession(t.Context(), hash)
	switch domain.ErrorCode(err) {
	case "":
		return true
	case domain.EUNAUTHORIZED:
		return false
	}
	t.Fatalf("find session: %v", err)
	return false
}

// snapshot reads every row of every table, so that a test can check that a refused write
// changed nothing at all.
func snapshot(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	db := store.RawDB(s)
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if s.Dialect() == "postgres" {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	out := map[string][]string{}
	for _, table := range queryStrings(t, db, q) {
		out[table] = tableRows(t, db, table)
	}
	if len(out) < 10 {
		t.Fatalf("snapshot found only tables %v", out)
	}
	return out
}

func tableRows(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), `SELECT * FROM `+table)
	if err != nil {
		t.Fatalf("snapshot %s: %v", table, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		var b strings.Builder
		for i, v := range vals {
			switch x := v.(type) {
			case time.Time:
				v = x.UTC().Format(time.RFC3339Nano)
			case []byte:
				v = string(x)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func queryStrings(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantUnchanged fails the test if any row differs from the snapshot before.
func wantUnchanged(t *testing.T, s *store.Store, before map[string][]string) {
	t.Helper()
	if diff := cmp.Diff(before, snapshot(t, s)); diff != "" {
		t.Fatalf("a refused write changed the database (-before +after):\n%s", diff)
	}
}

// rowCount counts the rows of a table.
func rowCount(t *testing.T, s *store.Store, table string) int {
	t.Helper()
	var n int
	if err := store.RawDB(s).QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

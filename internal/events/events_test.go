package events

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
)

// The local bus delivers synchronously, so these tests need no waiting: after Publish returns,
// an event is either in a subscriber's buffer or it never will be.

func TestLocal_FanOutByProject(t *testing.T) {
	bus := mustLocal(t)
	p1, p2 := newID(), newID()
	only1, _ := bus.Subscribe([]string{p1}, "")
	only2, _ := bus.Subscribe([]string{p2}, "")
	both, _ := bus.Subscribe([]string{p1, p2}, "")

	e := Event{AccountID: "acc", ProjectID: p1, Kind: "post", ID: "post1"}
	mustPublish(t, bus, e)

	if got := mustHave(t, only1); got != e {
		t.Errorf("project subscriber: %s", cmp.Diff(e, got))
	}
	if got := mustHave(t, both); got != e {
		t.Errorf("two-project subscriber: %s", cmp.Diff(e, got))
	}
	mustBeEmpty(t, only1, only2, both)
}

func TestLocal_FanOutByUser(t *testing.T) {
	bus := mustLocal(t)
	p := newID()
	projectOnly, _ := bus.Subscribe([]string{p}, "")
	userOnly, _ := bus.Subscribe(nil, "u1")
	projectAndUser, _ := bus.Subscribe([]string{p}, "u1")
	otherUser, _ := bus.Subscribe([]string{p}, "u2")

	e := Event{AccountID: "acc", ProjectID: p, Kind: "notification", ID: "n1", UserID: "u1"}
	mustPublish(t, bus, e)

	for name, ch := range map[string]<-chan Event{"user": userOnly, "project and user": projectAndUser} {
		if got := mustHave(t, ch); got != e {
			t.Errorf("%s subscriber: %s", name, cmp.Diff(e, got))
		}
	}
	// A per-user event never reaches the project's other subscribers.
	mustBeEmpty(t, projectOnly, userOnly, projectAndUser, otherUser)

	// A project event reaches a subscriber that also follows a user, once.
	e = Event{AccountID: "acc", ProjectID: p, Kind: "post", ID: "post1"}
	mustPublish(t, bus, e)
	mustHave(t, projectAndUser)
	mustBeEmpty(t, projectAndUser, userOnly)
}

func TestLocal_Cancel(t *testing.T) {
	bus := mustLocal(t)
	p := newID()
	ch, cancel := bus.Subscribe([]string{p}, "")
	cancel()
	cancel() // idempotent
	mustPublish(t, bus, Event{ProjectID: p, Kind: "post", ID: "post1"})
	if _, ok := <-ch; ok {
		t.Fatal("received an event after cancel")
	}
}

func TestLocal_SlowSubscriberDoesNotBlock(t *testing.T) {
	bus := mustLocal(t)
	p := newID()
	slow, _ := bus.Subscribe([]string{p}, "") // never read while publishing

	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 3 * BufferSize {
			mustPublish(t, bus, Event{ProjectID: p, Kind: "post", ID: string(rune('A' + i%26))})
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Publish blocked on a slow subscriber")
	}
	if len(slow) != BufferSize {
		t.Fatalf("slow subscriber buffered %d events, want %d (the rest lost)", len(slow), BufferSize)
	}
	if got := <-slow; got.ID != "A" {
		t.Errorf("slow subscriber's first event = %q, want the first published", got.ID)
	}
}

func TestLocal_Close(t *testing.T) {
	bus := NewLocal()
	ch, cancel := bus.Subscribe([]string{"p"}, "")
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	cancel() // after Close: no double close
	if _, ok := <-ch; ok {
		t.Error("channel open after Close")
	}
	if err := bus.Publish(t.Context(), Event{ProjectID: "p"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if late, _ := bus.Subscribe([]string{"p"}, ""); !isClosed(late) {
		t.Error("Subscribe after Close returned an open channel")
	}
	if err := bus.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestLocal_ErrNoAudience(t *testing.T) {
	if err := mustLocal(t).Publish(t.Context(), Event{Kind: "post", ID: "x"}); err == nil {
		t.Error("Publish of an event with neither project nor user succeeded")
	}
}

// PostgreSQL: set PORTICO_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/portico_dev).
// Tests on the shared channel use fresh project ids, so concurrent runs do not see each other.

func TestPostgres_TwoNodes(t *testing.T) {
	a, b := mustPostgres(t, idlePing), mustPostgres(t, idlePing)
	p := newID()
	atA, _ := a.Subscribe([]string{p}, "")
	atB, _ := b.Subscribe([]string{p}, "")

	e := Event{AccountID: "acc", ProjectID: p, Kind: "post", ID: "post1"}
	mustPublish(t, a, e)
	for name, ch := range map[string]<-chan Event{"node B": atB, "node A (publisher)": atA} {
		if got := mustReceive(t, ch); got != e {
			t.Errorf("%s: %s", name, cmp.Diff(e, got))
		}
	}

	u := Event{AccountID: "acc", ProjectID: p, Kind: "notification", ID: "n1", UserID: newID()}
	userAtA, _ := a.Subscribe(nil, u.UserID)
	mustPublish(t, b, u)
	if got := mustReceive(t, userAtA); got != u {
		t.Errorf("user event from node B at node A: %s", cmp.Diff(u, got))
	}

	// Exactly once: nothing more arrives (in particular no local copy at the publisher).
	time.Sleep(300 * time.Millisecond)
	mustBeEmpty(t, atA, atB, userAtA)
}

func TestPostgres_Reconnect(t *testing.T) {
	bus := mustPostgres(t, idlePing)
	p := newID()
	ch, _ := bus.Subscribe([]string{p}, "")
	mustPublish(t, bus, Event{ProjectID: p, Kind: "post", ID: "before"})
	mustReceive(t, ch)

	old := bus.pid.Load()
	terminateBackend(t, old)
	deadline := time.Now().Add(10 * time.Second)
	for bus.pid.Load() == old {
		if time.Now().After(deadline) {
			t.Fatal("listener did not reconnect within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}

	e := Event{ProjectID: p, Kind: "post", ID: "after"}
	mustPublish(t, bus, e)
	if got := mustReceive(t, ch); got != e {
		t.Errorf("after reconnect: %s", cmp.Diff(e, got))
	}
}

func TestPostgres_IdlePing(t *testing.T) {
	bus := mustPostgres(t, 20*time.Millisecond)
	p := newID()
	ch, _ := bus.Subscribe([]string{p}, "")
	pid := bus.pid.Load()
	time.Sleep(200 * time.Millisecond) // several idle pings

	e := Event{ProjectID: p, Kind: "post", ID: "post1"}
	mustPublish(t, bus, e)
	if got := mustReceive(t, ch); got != e {
		t.Errorf("after idle pings: %s", cmp.Diff(e, got))
	}
	if bus.pid.Load() != pid {
		t.Error("a healthy idle connection was replaced")
	}
}

func TestPostgres_Close(t *testing.T) {
	bus := mustPostgres(t, idlePing)
	ch, _ := bus.Subscribe([]string{newID()}, "")
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
	if !isClosed(ch) {
		t.Error("channel open after Close")
	}
	if err := bus.Publish(t.Context(), Event{ProjectID: "p"}); !errors.Is(err, ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
}

func TestNewPostgres_ErrUnreachable(t *testing.T) {
	_, err := NewPostgres(t.Context(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2", nil)
	if err == nil {
		t.Fatal("NewPostgres succeeded without a database")
	}
}

func mustLocal(tb testing.TB) Bus {
	tb.Helper()
	bus := NewLocal()
	tb.Cleanup(func() { bus.Close() })
	return bus
}

func databaseURL(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("PORTICO_TEST_DATABASE_URL")
	if dsn == "" {
		tb.Skip("PORTICO_TEST_DATABASE_URL not set")
	}
	return dsn
}

// mustPostgres opens a PostgreSQL bus (a "node") that pings after idle silence.
func mustPostgres(tb testing.TB, idle time.Duration) *pgBus {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(tb.Output(), nil))
	bus, err := newPostgres(tb.Context(), databaseURL(tb), log, idle)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { bus.Close() })
	return bus
}

func terminateBackend(tb testing.TB, pid uint32) {
	tb.Helper()
	conn, err := pgx.Connect(tb.Context(), databaseURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	var ok bool
	if err := conn.QueryRow(tb.Context(), `SELECT pg_terminate_backend($1)`, int32(pid)).Scan(&ok); err != nil || !ok {
		tb.Fatalf("terminate listener backend %d: ok=%v err=%v", pid, ok, err)
	}
}

func newID() string { return rand.Text() }

func mustPublish(tb testing.TB, bus Bus, e Event) {
	tb.Helper()
	if err := bus.Publish(tb.Context(), e); err != nil {
		tb.Error(err)
	}
}

// mustReceive waits up to 1s for an event.
func mustReceive(tb testing.TB, ch <-chan Event) Event {
	tb.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			tb.Fatal("channel closed")
		}
		return e
	case <-time.After(time.Second):
		tb.Fatal("no event within 1s")
		return Event{}
	}
}

// mustHave takes an event that must already be buffered.
func mustHave(tb testing.TB, ch <-chan Event) Event {
	tb.Helper()
	select {
	case e := <-ch:
		return e
	default:
		tb.Fatal("no event delivered")
		return Event{}
	}
}

func mustBeEmpty(tb testing.TB, chs ...<-chan Event) {
	tb.Helper()
	for i, ch := range chs {
		if n := len(ch); n != 0 {
			tb.Errorf("subscriber %d has %d unexpected events, first %+v", i, n, <-ch)
		}
	}
}

func isClosed(ch <-chan Event) bool {
	select {
	case _, ok := <-ch:
		return !ok
	default:
		return false
	}
}

package events

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the PostgreSQL notification channel every node publishes to and listens on.
const Channel = "portico_events"

const (
	publishConns = 4                      // connections of the publishing pool
	dbTimeout    = 10 * time.Second       // connecting, LISTEN, health ping, closing
	idlePing     = 30 * time.Second       // silence after which the listener checks its connection
	minBackoff   = 250 * time.Millisecond // first wait after a failed reconnect
	maxBackoff   = 15 * time.Second
)

// NewPostgres returns a Bus shared by every node connected to the PostgreSQL database at dsn.
// Publish sends a NOTIFY on Channel with the event as JSON; a dedicated connection LISTENs on
// Channel and hands each notification to this node's subscribers, so every node, the publishing
// one included, delivers each event exactly once.
//
// The first connection is made before NewPostgres returns (ctx bounds it, not the bus's life).
// Afterwards a dropped listening connection is logged and re-established with backoff; events
// published meanwhile are lost to this node. Close stops everything.
func NewPostgres(ctx context.Context, dsn string, log *slog.Logger) (Bus, error) {
	return newPostgres(ctx, dsn, log, idlePing)
}

// pgBus is the Bus over PostgreSQL LISTEN/NOTIFY.
type pgBus struct {
	hub     *hub
	pool    *pgxpool.Pool // publishes
	connCfg *pgx.ConnConfig
	log     *slog.Logger
	idle    time.Duration

	pid       atomic.Uint32 // backend pid of the current listening connection (for tests)
	cancel    context.CancelFunc
	done      chan struct{} // closed when run returns
	closeOnce sync.Once
}

func newPostgres(ctx context.Context, dsn string, log *slog.Logger, idle time.Duration) (*pgBus, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	connCfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("events: parse database url: %w", err)
	}
	poolCfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("events: parse database url: %w", err)
	}
	poolCfg.MaxConns = publishConns
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("events: open pool: %w", err)
	}
	conn, err := listen(ctx, connCfg)
	if err != nil {
		pool.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b := &pgBus{hub: newHub(), pool: pool, connCfg: connCfg, log: log, idle: idle, cancel: cancel, done: make(chan struct{})}
	b.pid.Store(conn.PgConn().PID())
	go b.run(runCtx, conn)
	return b, nil
}

func (b *pgBus) Publish(ctx context.Context, e Event) error {
	if err := e.validate(); err != nil {
		return err
	}
	if b.hub.isClosed() {
		return ErrClosed
	}
	payload, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("events: publish: %w", err)
	}
	if _, err := b.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, Channel, string(payload)); err != nil {
		return fmt.Errorf("events: publish %s %s: %w", e.Kind, e.ID, err)
	}
	return nil
}

func (b *pgBus) Subscribe(projectIDs []string, userID string) (<-chan Event, func()) {
	return b.hub.subscribe(projectIDs, userID)
}

func (b *pgBus) Close() error {
	b.closeOnce.Do(func() {
		b.hub.close()
		b.cancel()
		<-b.done
		b.pool.Close()
	})
	return nil
}

// listen opens a connection and LISTENs on Channel.
func listen(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("events: connect listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		closeConn(conn)
		return nil, fmt.Errorf("events: listen: %w", err)
	}
	return conn, nil
}

func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), dbTimeout)
	defer cancel()
	_ = conn.Close(ctx) // the connection is being abandoned; nothing to do on error
}

// run delivers notifications until ctx is cancelled, replacing the connection whenever it fails.
func (b *pgBus) run(ctx context.Context, conn *pgx.Conn) {
	defer close(b.done)
	for {
		err := b.receive(ctx, conn)
		closeConn(conn)
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("events: listener connection lost, reconnecting", "err", err)
		if conn = b.reconnect(ctx); conn == nil {
			return
		}
		b.pid.Store(conn.PgConn().PID())
		b.log.Info("events: listener reconnected")
	}
}

// reconnect retries listen, at once and then with jittered exponential backoff, until it
// succeeds (returning the connection) or ctx is cancelled (returning nil).
func (b *pgBus) reconnect(ctx context.Context) *pgx.Conn {
	backoff := minBackoff
	for {
		conn, err := listen(ctx, b.connCfg)
		if err == nil {
			return conn
		}
		if ctx.Err() != nil {
			return nil
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		b.log.Warn("events: listener reconnect failed", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// receive hands notifications from conn to the hub until ctx is cancelled or conn fails. After
// b.idle without a notification it pings, so that a half-open connection (a PostgreSQL failover,
// a dropped NAT entry) is noticed rather than silently ending live updates.
func (b *pgBus) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		waitCtx, cancel := context.WithTimeout(ctx, b.idle)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		if n != nil {
			b.dispatch(n.Payload)
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
		case pgconn.Timeout(err) && !conn.IsClosed():
			if err := b.ping(ctx, conn); err != nil {
				return err
			}
		default:
			return fmt.Errorf("events: wait for notification: %w", err)
		}
	}
}

func (b *pgBus) ping(ctx context.Context, conn *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, dbTimeout)
	defer cancel()
	if err := conn.Ping(ctx); err != nil {
		return fmt.Errorf("events: ping listener: %w", err)
	}
	return nil
}

func (b *pgBus) dispatch(payload string) {
	var e Event
	if err := json.Unmarshal([]byte(payload), &e); err != nil {
		b.log.Error("events: undecodable notification", "err", err, "payload", payload)
		return
	}
	b.hub.deliver(e)
}

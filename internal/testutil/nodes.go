package testutil

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/server"
)

// ServerOption changes how StartServerWith configures a server.
type ServerOption func(*serverOptions)

type serverOptions struct {
	dsn     string            // "" = a fresh database of the dialect
	blobURL string            // "" = a directory in the server's own data directory
	smtp    *smtptest.Server  // nil = a fresh in-test SMTP server
	env     map[string]string // PORTICO_* variables, over the harness's own
}

// WithEnv sets a PORTICO_* variable (the full name, e.g. "PORTICO_INBOUND_ADDR") for the server,
// over what the harness sets itself.
func WithEnv(key, value string) ServerOption {
	return func(o *serverOptions) {
		if o.env == nil {
			o.env = map[string]string{}
		}
		o.env[key] = value
	}
}

// WithReplyByMail turns reply by e-mail on: an inbound SMTP listener on a free loopback port
// (see Server.InboundAddr) taking mail for reply addresses at domain.
func WithReplyByMail(domain string) ServerOption {
	return func(o *serverOptions) {
		WithEnv("PORTICO_INBOUND_ADDR", "127.0.0.1:0")(o)
		WithEnv("PORTICO_REPLY_DOMAIN", domain)(o)
	}
}

// WithDatabase makes the server use an existing database (a DSN from MustDSN, or another
// server's Config.DatabaseURL) instead of a fresh one. Whoever made the database drops it.
func WithDatabase(dsn string) ServerOption { return func(o *serverOptions) { o.dsn = dsn } }

// WithBlobs makes the server keep files in the blob store at url (PORTICO_BLOB_URL).
func WithBlobs(url string) ServerOption { return func(o *serverOptions) { o.blobURL = url } }

// WithSMTP makes the server send its mail to an existing in-test SMTP server.
func WithSMTP(s *smtptest.Server) ServerOption { return func(o *serverOptions) { o.smtp = s } }

// StartServerWith is StartServer with options: it runs Portico on 127.0.0.1:0, by default
// against a fresh database of the dialect and a fresh in-test SMTP server, and shuts it down
// gracefully when the test ends. Set PORTICO_TEST_LOG=1 to see its log.
func StartServerWith(tb testing.TB, dialect string, opts ...ServerOption) *Server {
	tb.Helper()
	var o serverOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.smtp == nil {
		o.smtp = smtptest.Start(tb)
	}
	if o.dsn == "" {
		o.dsn = MustDSN(tb, dialect)
	}
	dataDir := tb.TempDir()
	cfg, err := server.ParseConfig("test", nil, func(k string) string {
		if v, ok := o.env[k]; ok {
			return v
		}
		switch k {
		case "PORTICO_DATA_DIR":
			return dataDir
		case "PORTICO_ADDR":
			return "127.0.0.1:0"
		case "PORTICO_DATABASE_URL":
			return o.dsn
		case "PORTICO_SMTP_URL":
			return o.smtp.URL()
		case "PORTICO_MAIL_FROM":
			return "Portico <portico@test.example>"
		case "PORTICO_BLOB_URL":
			return o.blobURL
		}
		return ""
	})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.ShutdownTimeout = 5 * time.Second
	log := slog.New(slog.DiscardHandler)
	if os.Getenv("PORTICO_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	m, err := server.Open(context.Background(), cfg, log)
	if err != nil {
		tb.Fatalf("start server: %v", err)
	}
	m.App.BaseURL = m.URL()
	m.Worker.Poll = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("server stopped with: %v", err)
		}
	})
	return &Server{Main: m, URL: m.URL(), SMTP: o.smtp, Dialect: dialect}
}

// StartNode starts another node of first's installation — another `portico serve` process as
// far as Portico can tell: its own HTTP listener, job worker and live-update bus, but the same
// database, blob store and mail server. Only PostgreSQL can be shared (live updates cross nodes
// by LISTEN/NOTIFY); with SQLite the test is skipped. The node stops before first does.
func StartNode(tb testing.TB, first *Server, opts ...ServerOption) *Server {
	tb.Helper()
	if first.Dialect != "postgres" {
		tb.Skipf("nodes share a database only on PostgreSQL, not %s", first.Dialect)
	}
	base := []ServerOption{WithDatabase(first.Config.DatabaseURL), WithBlobs(first.Config.BlobURL), WithSMTP(first.SMTP)}
	return StartServerWith(tb, first.Dialect, append(base, opts...)...)
}

// WaitForJobs waits until the job queue has nothing left to run (notifications fanned out,
// mail handed to the SMTP server, live updates published), failing the test if a job failed or
// the queue is still busy after timeout.
func (s *Server) WaitForJobs(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		pending, failed, err := s.Store.JobStats(context.Background())
		if err != nil {
			tb.Fatalf("job stats: %v", err)
		}
		if failed > 0 {
			tb.Fatalf("%d job(s) failed", failed)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d job(s) still pending after %s", pending, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

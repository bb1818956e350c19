package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/jobs"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
)

// Main is a running Portico: store, job worker and HTTP server.
type Main struct {
	Config Config
	Log    *slog.Logger
	Store  *store.Store
	App    *app.App
	Worker *jobs.Worker

	listener net.Listener
	server   *http.Server
	handler  http.Handler
}

// Open connects the store (migrating it), builds the application and starts listening.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Main, error) {
	m := &Main{Config: cfg, Log: log}
	s, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return nil, err
	}
	m.Store = s
	m.App = app.New(s, cfg.BaseURL, log)
	var sender mail.Sender
	if cfg.SMTPURL != "" {
		smtp, err := mail.NewSMTPSender(cfg.SMTPURL)
		if err != nil {
			s.Close()
			return nil, err
		}
		sender = smtp
	}
	m.Worker = jobs.NewWorker(s, log)
	m.Worker.Handlers[store.JobSendMail] = jobs.SendMail(s, sender, cfg.MailFrom, log)
	m.handler = m.routes()
	m.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	return m, nil
}

// URL is where the server can be reached (the real port when Addr ended in :0).
func (m *Main) URL() string { return "http://" + m.listener.Addr().String() }

// Handler is the whole HTTP handler, for benchmarks that skip the network.
func (m *Main) Handler() http.Handler { return m.handler }

// Run serves until ctx is cancelled, then shuts down gracefully: the listener closes,
// in-flight requests and the job under way finish (within ShutdownTimeout), the store closes.
func (m *Main) Run(ctx context.Context) error {
	m.server = &http.Server{
		Handler:           m.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	var wg sync.WaitGroup
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() { m.Worker.Run(workCtx) })
	serveErr := make(chan error, 1)
	go func() { serveErr <- m.server.Serve(m.listener) }()

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	m.Log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	if serr := m.server.Shutdown(shutCtx); serr != nil {
		m.Log.Warn("shutdown", "err", serr)
	}
	stopWork()
	wg.Wait()
	if cerr := m.Store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

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
	"github.com/portico-dev/portico/internal/blob"
	"github.com/portico-dev/portico/internal/events"
	"github.com/portico-dev/portico/internal/jobs"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/mail/inbound"
	"github.com/portico-dev/portico/internal/store"
)

// Main is a running Portico: store, job worker and HTTP server.
type Main struct {
	Config Config
	Log    *slog.Logger
	Store  *store.Store
	App    *app.App
	Worker *jobs.Worker
	Blobs  blob.Store
	Events events.Bus

	inbound  *inbound.Server
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
	if err := m.openParts(ctx); err != nil {
		m.closeParts()
		return nil, err
	}
	m.handler = m.routes()
	m.listener, err = net.Listen("tcp", cfg.Addr)
	if err != nil {
		m.closeParts()
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	return m, nil
}

// openParts builds the application around the open store: blob store, live-update bus (shared
// across nodes on PostgreSQL), job worker and its handlers, and the reply-by-e-mail listener.
func (m *Main) openParts(ctx context.Context) error {
	cfg, s, log := m.Config, m.Store, m.Log
	m.App = app.New(s, cfg.BaseURL, log)
	var err error
	if m.Blobs, err = blob.Open(ctx, cfg.BlobURL); err != nil {
		return err
	}
	m.App.Blobs, m.App.MaxUpload = m.Blobs, int64(cfg.MaxUploadMB)<<20
	m.Events = events.NewLocal()
	if store.IsPostgres(cfg.DatabaseURL) {
		if m.Events, err = events.NewPostgres(ctx, cfg.DatabaseURL, log); err != nil {
			return err
		}
	}
	m.App.Events = m.Events
	var sender mail.Sender
	if cfg.SMTPURL != "" {
		if sender, err = mail.NewSMTPSender(cfg.SMTPURL); err != nil {
			return err
		}
	}
	m.Worker = jobs.NewWorker(s, log)
	m.Worker.Handlers[store.JobSendMail] = jobs.SendMail(s, sender, cfg.MailFrom, log)
	m.Worker.Handlers[store.JobNotifyPost] = m.App.NotifyPost
	m.Worker.Handlers[store.JobDeleteBlobs] = m.App.DeleteBlobs
	m.Worker.Handlers[app.JobDailyDigest] = m.App.DailyDigest
	if err := s.EnsureJob(ctx, app.JobDailyDigest, app.NextDigest(s.Now().UTC())); err != nil {
		return err
	}
	m.App.Worker = m.Worker
	if cfg.InboundAddr != "" {
		secret, err := s.Secret(ctx, app.SecretReplyAddresses)
		if err != nil {
			return err
		}
		m.App.ReplyDomain = cfg.ReplyDomain
		if m.inbound, err = inbound.Listen(cfg.InboundAddr, cfg.ReplyDomain, secret, m.App.ReplyByMail, log); err != nil {
			return err
		}
	}
	return nil
}

// closeParts releases what openParts built, and the store.
func (m *Main) closeParts() {
	if m.inbound != nil {
		m.inbound.Close()
	}
	if m.Events != nil {
		m.Events.Close()
	}
	if m.Blobs != nil {
		m.Blobs.Close()
	}
	m.Store.Close()
}

// InboundAddr is where the reply-by-e-mail listener listens ("" when off).
func (m *Main) InboundAddr() string {
	if m.inbound == nil {
		return ""
	}
	return m.inbound.Addr()
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
	// Live-update streams end when the bus closes, so they do not hold the shutdown up.
	m.server.RegisterOnShutdown(func() { m.Events.Close() })
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
	m.closeParts()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

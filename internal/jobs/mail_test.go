package jobs_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/jobs"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/store"
)

const from = "Portico <noreply@portico.test>"

// mailWorker returns a worker whose mail handler sends through sender (nil: none configured).
func mailWorker(t *testing.T, s *store.Store, sender mail.Sender) *jobs.Worker {
	t.Helper()
	w := newWorker(t, s)
	w.Handlers[store.JobSendMail] = jobs.SendMail(s, sender, from, w.Log)
	return w
}

func smtpSender(t *testing.T, url string) *mail.SMTPSender {
	t.Helper()
	sender, err := mail.NewSMTPSender(url)
	if err != nil {
		t.Fatal(err)
	}
	return sender
}

func to(addr string) func(smtptest.Received) bool {
	return func(m smtptest.Received) bool { return len(m.To) == 1 && m.To[0] == addr }
}

// wantSent checks that the one mail is marked sent at the clock's time and its job is done.
func wantSent(t *testing.T, d *db) {
	t.Helper()
	ms := d.mails(t)
	if len(ms) != 1 || ms[0].Status != store.MailSent || ms[0].SentAt == nil || !ms[0].SentAt.Equal(d.clk.Now()) || ms[0].LastError != "" {
		t.Fatalf("mails %+v, want one sent at %v", ms, d.clk.Now())
	}
	if j := d.job(t); !j.Finished || j.Failed {
		t.Fatalf("job %+v", j)
	}
}

func TestSendMail(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		srv := smtptest.Start(t)
		d.enqueue(t, "lee@example.com", "Welcome to Northwind")
		w := mailWorker(t, d.s, smtpSender(t, srv.URL()))
		runOnce(t, w)
		got := srv.WaitFor(t, to("lee@example.com"), 10*time.Second)
		if got.Subject != "Welcome to Northwind" || strings.TrimSpace(got.Text) != "Hello lee@example.com" ||
			!strings.Contains(got.HTML, "<p>Hello</p>") || got.From != "noreply@portico.test" {
			t.Fatalf("received %+v", got)
		}
		wantSent(t, d)
		runNone(t, w)
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("%d messages delivered", n)
		}
	})
}

func TestSendMailWithoutSMTP(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		d.enqueue(t, "lee@example.com", "hi")
		runOnce(t, mailWorker(t, d.s, nil))
		ms := d.mails(t)
		if len(ms) != 1 || ms[0].Status != store.MailHeld || ms[0].SentAt != nil {
			t.Fatalf("mails %+v, want one held in the outbox", ms)
		}
		if j := d.job(t); !j.Finished || j.Failed {
			t.Fatalf("job %+v", j)
		}
	})
}

// With the SMTP server unreachable the mail stays queued with the error, is retried, and is
// marked failed when the attempts run out.
func TestSendMailServerDown(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there now
		d.enqueue(t, "lee@example.com", "hi")
		w := mailWorker(t, d.s, smtpSender(t, "smtp://"+addr+"?tls=none"))
		runOnce(t, w)
		ms := d.mails(t)
		if len(ms) != 1 || ms[0].Status != store.MailQueued || ms[0].LastError == "" || ms[0].SentAt != nil {
			t.Fatalf("after a failed attempt: %+v", ms)
		}
		if j := d.job(t); j.Finished || j.Attempts != 1 || !j.RunAt.After(t0) {
			t.Fatalf("job %+v, want it rescheduled", j)
		}
		for i := 1; i < store.DefaultMaxAttempts; i++ {
			d.clk.Set(t0.Add(time.Duration(i) * 2 * time.Hour))
			runOnce(t, w)
		}
		if j := d.job(t); !j.Finished || !j.Failed || j.Attempts != store.DefaultMaxAttempts {
			t.Fatalf("job after the last attempt %+v", j)
		}
		if ms := d.mails(t); ms[0].Status != store.MailFailed || ms[0].LastError == "" {
			t.Fatalf("mail after the last attempt: status %q, error %q; want %q", ms[0].Status, ms[0].LastError, store.MailFailed)
		}
	})
}

// A mail queued before a restart is delivered after it: the queue is the database.
func TestSendMailAfterRestart(t *testing.T) {
	t.Run("Queued", func(t *testing.T) {
		forEachDialect(t, func(t *testing.T, d *db) {
			srv := smtptest.Start(t)
			d.enqueue(t, "lee@example.com", "Before the restart")
			if err := d.s.Close(); err != nil {
				t.Fatal(err)
			}
			d.s = d.open(t)
			runOnce(t, mailWorker(t, d.s, smtpSender(t, srv.URL())))
			srv.WaitFor(t, to("lee@example.com"), 10*time.Second)
			wantSent(t, d)
		})
	})
	// The process died while a worker held the job: once the lease runs out, the job runs
	// again on the restarted node.
	t.Run("ClaimedByDeadWorker", func(t *testing.T) {
		forEachDialect(t, func(t *testing.T, d *db) {
			srv := smtptest.Start(t)
			d.enqueue(t, "lee@example.com", "Interrupted")
			const lease = 5 * time.Minute
			if _, err := d.s.ClaimJob(t.Context(), lease); err != nil {
				t.Fatal(err)
			}
			if err := d.s.Close(); err != nil {
				t.Fatal(err)
			}
			d.s = d.open(t)
			w := mailWorker(t, d.s, smtpSender(t, srv.URL()))
			w.Lease = lease
			runNone(t, w) // still leased
			d.clk.Set(t0.Add(lease + time.Second))
			runOnce(t, w)
			srv.WaitFor(t, to("lee@example.com"), 10*time.Second)
			wantSent(t, d)
			if j := d.job(t); j.Attempts != 2 {
				t.Fatalf("job %+v, want 2 attempts", j)
			}
		})
	})
}

// A database error while loading the mail is retried; only a mail that does not exist is a
// permanent failure.
func TestSendMailStoreError(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		srv := smtptest.Start(t)
		d.enqueue(t, "lee@example.com", "hi")
		sender := smtpSender(t, srv.URL())
		// The handler reads through a store whose connections are gone.
		broken := d.open(t)
		broken.Close()
		w := newWorker(t, d.s)
		w.Handlers[store.JobSendMail] = jobs.SendMail(broken, sender, from, w.Log)
		runOnce(t, w)
		if j := d.job(t); j.Finished || j.Attempts != 1 || j.LastError == "" {
			t.Fatalf("job after a database error %+v, want it rescheduled", j)
		}
		w.Handlers[store.JobSendMail] = jobs.SendMail(d.s, sender, from, w.Log)
		d.clk.Set(t0.Add(time.Hour))
		runOnce(t, w)
		srv.WaitFor(t, to("lee@example.com"), 10*time.Second)
		wantSent(t, d)
	})
}

func TestSendMailUnknownMail(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d *db) {
		d.enqueue(t, "lee@example.com", "hi")
		w := newWorker(t, d.s)
		send := jobs.SendMail(d.s, nil, from, w.Log)
		w.Handlers[store.JobSendMail] = func(ctx context.Context, _ json.RawMessage) error {
			return send(ctx, json.RawMessage(`{"mail_id":"no-such-mail"}`))
		}
		runOnce(t, w)
		if j := d.job(t); !j.Finished || !j.Failed || j.Attempts != 1 {
			t.Fatalf("job for a missing mail %+v, want failed at once", j)
		}
	})
}

package mail

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/mail/smtptest"
)

const testFrom = "Portico <noreply@portico.test>"

// MustNewSMTPSender returns a sender for rawURL or fails the test.
func MustNewSMTPSender(tb testing.TB, rawURL string) *SMTPSender {
	tb.Helper()
	s, err := NewSMTPSender(rawURL)
	if err != nil {
		tb.Fatalf("NewSMTPSender(%q): %v", rawURL, err)
	}
	return s
}

func testContext(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(tb.Context(), 10*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func TestSMTPSender_Send(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		srv := smtptest.Start(t)
		s := MustNewSMTPSender(t, srv.URL())
		err := s.Send(testContext(t), testFrom, Message{
			To:      "Ada Lovelace <ada@example.com>",
			Subject: "Welcome to Portico — façade",
			Text:    "Confirm here: https://portico.test/confirm?token=abc123&x=1\nThanks.",
			ReplyTo: "support@portico.test",
		})
		if err != nil {
			t.Fatal(err)
		}

		got := srv.WaitFor(t, nil, 5*time.Second)
		if diff := cmp.Diff([]string{"ada@example.com"}, got.To); diff != "" {
			t.Errorf("envelope To (-want +got):\n%s", diff)
		}
		if got.From != "noreply@portico.test" {
			t.Errorf("envelope From = %q", got.From)
		}
		if got.Subject != "Welcome to Portico — façade" {
			t.Errorf("Subject = %q", got.Subject)
		}
		if !strings.Contains(got.Text, "https://portico.test/confirm?token=abc123&x=1") {
			t.Errorf("Text lacks the link:\n%s", got.Text)
		}
		if got.HTML != "" {
			t.Errorf("HTML = %q, want none", got.HTML)
		}
		if h := got.Header.Get("Reply-To"); !strings.Contains(h, "support@portico.test") {
			t.Errorf("Reply-To = %q", h)
		}
		if h := got.Header.Get("To"); !strings.Contains(h, "ada@example.com") {
			t.Errorf("To header = %q", h)
		}
		if got.Header.Get("Message-Id") == "" || got.Header.Get("Date") == "" {
			t.Errorf("missing Message-Id or Date:\n%s", got.Data)
		}
		if got.User != "" || got.TLS {
			t.Errorf("User = %q, TLS = %v; want no AUTH, no TLS", got.User, got.TLS)
		}
	})

	t.Run("OKHTMLAlternative", func(t *testing.T) {
		srv := smtptest.Start(t)
		s := MustNewSMTPSender(t, srv.URL())
		err := s.Send(testContext(t), testFrom, Message{
			To:      "bob@example.com",
			Subject: "Invoice",
			Text:    "Pay at https://portico.test/i/42",
			HTML:    `<p>Pay <a href="https://portico.test/i/42">here</a></p>`,
		})
		if err != nil {
			t.Fatal(err)
		}
		got := srv.WaitFor(t, func(r smtptest.Received) bool { return r.Subject == "Invoice" }, 5*time.Second)
		if !strings.Contains(got.Header.Get("Content-Type"), "multipart/alternative") {
			t.Errorf("Content-Type = %q", got.Header.Get("Content-Type"))
		}
		if strings.TrimSpace(got.Text) != "Pay at https://portico.test/i/42" {
			t.Errorf("Text = %q", got.Text)
		}
		if !strings.Contains(got.HTML, `<a href="https://portico.test/i/42">`) {
			t.Errorf("HTML = %q", got.HTML)
		}
	})

	t.Run("OKConcurrent", func(t *testing.T) {
		srv := smtptest.Start(t)
		s := MustNewSMTPSender(t, srv.URL())
		ctx := testContext(t)
		errc := make(chan error)
		for _, to := range []string{"a@example.com", "b@example.com", "c@example.com"} {
			go func() { errc <- s.Send(ctx, testFrom, Message{To: to, Subject: to, Text: "hi"}) }()
		}
		for range 3 {
			if err := <-errc; err != nil {
				t.Error(err)
			}
		}
		srv.WaitFor(t, func(r smtptest.Received) bool { return r.Subject == "c@example.com" }, 5*time.Second)
		if n := len(srv.Messages()); n != 3 {
			t.Errorf("received %d messages, want 3", n)
		}
	})

	t.Run("OKAuthWithoutTLS", func(t *testing.T) {
		srv := smtptest.Start(t)
		url := strings.Replace(srv.URL(), "smtp://", "smtp://alice:s3cret@", 1)
		s := MustNewSMTPSender(t, url)
		if err := s.Send(testContext(t), testFrom, Message{To: "x@example.com", Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if got := srv.WaitFor(t, nil, 5*time.Second); got.User != "alice" {
			t.Errorf("User = %q, want alice", got.User)
		}
	})

	t.Run("OKStartTLS", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithStartTLS())
		url := strings.Replace(srv.URL(), "smtp://", "smtp://alice:s3cret@", 1)
		s := MustNewSMTPSender(t, url)
		if err := s.Send(testContext(t), testFrom, Message{To: "x@example.com", Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if got := srv.WaitFor(t, nil, 5*time.Second); !got.TLS || got.User != "alice" {
			t.Errorf("TLS = %v, User = %q; want TLS and alice", got.TLS, got.User)
		}
	})

	t.Run("OKImplicitTLS", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithImplicitTLS())
		url := strings.Replace(srv.URL(), "smtps://", "smtps://alice:s3cret@", 1)
		s := MustNewSMTPSender(t, url)
		if err := s.Send(testContext(t), testFrom, Message{To: "x@example.com", Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		if got := srv.WaitFor(t, nil, 5*time.Second); !got.TLS || got.User != "alice" {
			t.Errorf("TLS = %v, User = %q; want TLS and alice", got.TLS, got.User)
		}
	})

	t.Run("ErrCleartextPassword", func(t *testing.T) {
		// smtp:// without tls=none to a server that offers no STARTTLS:
		// the password must not go out in the clear.
		srv := smtptest.Start(t)
		url := strings.Replace(srv.URL(), "?tls=none", "", 1)
		url = strings.Replace(url, "smtp://", "smtp://alice:s3cret@", 1)
		s := MustNewSMTPSender(t, url)
		if err := s.Send(testContext(t), testFrom, Message{To: "x@example.com", Text: "hi"}); err == nil {
			t.Fatal("want error")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server received %d messages", n)
		}
	})

	t.Run("ErrUntrustedCertificate", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithImplicitTLS())
		s := MustNewSMTPSender(t, strings.Replace(srv.URL(), "?insecure_skip_verify=1", "", 1))
		err := s.Send(testContext(t), testFrom, Message{To: "x@example.com", Text: "hi"})
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want a certificate error", err)
		}
	})

	t.Run("ErrAddress", func(t *testing.T) {
		srv := smtptest.Start(t)
		s := MustNewSMTPSender(t, srv.URL())
		for _, tc := range []struct{ from, to, replyTo string }{
			{testFrom, "", ""},
			{testFrom, "not an address", ""},
			{testFrom, "ok@example.com", "bad reply"},
			{"", "ok@example.com", ""},
		} {
			err := s.Send(testContext(t), tc.from, Message{To: tc.to, ReplyTo: tc.replyTo, Text: "hi"})
			if err == nil || !strings.HasPrefix(err.Error(), "mail: send to "+tc.to+": ") {
				t.Errorf("Send(from %q, to %q, reply-to %q): err = %v", tc.from, tc.to, tc.replyTo, err)
			}
		}
	})

	t.Run("ErrHeaderInjection", func(t *testing.T) {
		srv := smtptest.Start(t)
		s := MustNewSMTPSender(t, srv.URL())
		err := s.Send(testContext(t), testFrom, Message{
			To: "x@example.com", Subject: "hi\r\nBcc: evil@example.com", Text: "hi",
		})
		if err != nil {
			return // refusing is fine too
		}
		got := srv.WaitFor(t, nil, 5*time.Second)
		if diff := cmp.Diff([]string{"x@example.com"}, got.To); diff != "" {
			t.Errorf("envelope To (-want +got):\n%s", diff)
		}
		if got.Header.Get("Bcc") != "" {
			t.Errorf("injected Bcc header:\n%s", got.Data)
		}
	})

	t.Run("ErrServerDown", func(t *testing.T) {
		s := MustNewSMTPSender(t, "smtp://"+closedAddr(t)+"?tls=none")
		err := s.Send(testContext(t), testFrom, Message{To: "x@example.com", Text: "hi"})
		if err == nil || !strings.HasPrefix(err.Error(), "mail: send to x@example.com: ") {
			t.Fatalf("err = %v", err)
		}
	})

	t.Run("ErrCanceled", func(t *testing.T) {
		srv := smtptest.Start(t)
		s := MustNewSMTPSender(t, srv.URL())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := s.Send(ctx, testFrom, Message{To: "x@example.com", Text: "hi"})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server received %d messages", n)
		}
	})

	t.Run("ErrDeadlineOnStalledServer", func(t *testing.T) {
		// The server accepts the connection but never greets; Send must
		// return when ctx ends, not when go-mail's own timeout does.
		addr := stalledServer(t)
		s := MustNewSMTPSender(t, "smtp://"+addr+"?tls=none")
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Send(ctx, testFrom, Message{To: "x@example.com", Text: "hi"})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("Send took %v after a 200ms deadline", d)
		}
	})
}

// closedAddr returns a loopback address where nothing listens.
func closedAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// stalledServer accepts TCP connections and never answers.
func stalledServer(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	tb.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func TestNewSMTPSender(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		for _, tc := range []struct {
			url  string
			want smtpConfig
			str  string
		}{
			{"smtp://mail.example.com", smtpConfig{host: "mail.example.com", port: 25},
				"smtp://mail.example.com:25"},
			{"smtp://mail.example.com:587/", smtpConfig{host: "mail.example.com", port: 587},
				"smtp://mail.example.com:587"},
			{"smtps://u%40x.com:p%2Fw@mail.example.com", smtpConfig{
				host: "mail.example.com", port: 465, implicitTLS: true, username: "u@x.com", password: "p/w",
			}, "smtps://u%40x.com@mail.example.com:465"},
			{"smtp://127.0.0.1:2525?tls=none", smtpConfig{host: "127.0.0.1", port: 2525, noTLS: true},
				"smtp://127.0.0.1:2525?tls=none"},
			{"smtps://[::1]:4650?insecure_skip_verify=1", smtpConfig{
				host: "::1", port: 4650, implicitTLS: true, insecureSkipVerify: true,
			}, "smtps://[::1]:4650?insecure_skip_verify=1"},
			{"smtp://user@localhost", smtpConfig{host: "localhost", port: 25, username: "user"},
				"smtp://user@localhost:25"},
		} {
			s, err := NewSMTPSender(tc.url)
			if err != nil {
				t.Errorf("NewSMTPSender(%q): %v", tc.url, err)
				continue
			}
			if diff := cmp.Diff(tc.want, s.cfg, cmp.AllowUnexported(smtpConfig{})); diff != "" {
				t.Errorf("NewSMTPSender(%q) (-want +got):\n%s", tc.url, diff)
			}
			if got := s.String(); got != tc.str {
				t.Errorf("NewSMTPSender(%q).String() = %q, want %q", tc.url, got, tc.str)
			}
		}
	})

	t.Run("ErrInvalid", func(t *testing.T) {
		for _, url := range []string{
			"",
			"http://x",
			"mail.example.com:25",
			"smtp://",
			"smtp://:25",
			"smtp:mail.example.com",
			"smtp://mail.example.com:bad",
			"smtp://mail.example.com:0",
			"smtp://mail.example.com:65536",
			"smtp://mail.example.com/inbox",
			"smtp://:pw@mail.example.com",
			"smtp://mail.example.com?tls=starttls",
			"smtp://mail.example.com?tls=none&tls=none",
			"smtps://mail.example.com?tls=none",
			"smtp://mail.example.com?insecure_skip_verify=maybe",
			"smtp://mail.example.com?port=25",
			"smtp://mail.example.com?%zz",
			"smtp://user:hunter2@mail.example.com:bad",
		} {
			s, err := NewSMTPSender(url)
			if err == nil {
				t.Errorf("NewSMTPSender(%q) = %v, want error", url, s)
				continue
			}
			if !strings.HasPrefix(err.Error(), "mail: invalid SMTP URL: ") {
				t.Errorf("NewSMTPSender(%q): error %q lacks prefix", url, err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("NewSMTPSender(%q): error %q shows the password", url, err)
			}
		}
	})
}

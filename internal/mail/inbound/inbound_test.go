package inbound_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/smtp"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/mail/inbound"
)

const (
	testDomain = "reply.portico.test"
	threadID   = "0195f7a2-8c1e-7d3a-9b4f-2a6c8e1d5b70"
	userID     = "0195f7a3-1111-7abc-8def-0123456789ab"
	threadID2  = "0195f7a4-2222-7abc-8def-0123456789ab"
)

var testSecret = bytes.Repeat([]byte("s3cret!"), 5)

// recorder is a Handler that keeps what it is given and returns err.
type recorder struct {
	mu   sync.Mutex
	msgs []inbound.Message
	err  error
}

func (r *recorder) handle(_ context.Context, m inbound.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return r.err
}

func (r *recorder) messages() []inbound.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]inbound.Message(nil), r.msgs...)
}

// MustListen starts a server on 127.0.0.1:0 and closes it when the test ends.
func MustListen(tb testing.TB, h inbound.Handler) *inbound.Server {
	tb.Helper()
	s, err := inbound.Listen("127.0.0.1:0", testDomain, testSecret, h, testLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// testLogger logs to tb until the test ends; go-smtp's connection
// goroutines may log after Close returns.
func testLogger(tb testing.TB) *slog.Logger {
	w := &tbWriter{tb: tb}
	tb.Cleanup(w.stop) // registered first, so it runs after the server's Close
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tbWriter struct {
	mu      sync.Mutex
	tb      testing.TB
	stopped bool
}

func (w *tbWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.tb.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *tbWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

func replyAddr(threadID string) string {
	return inbound.ReplyAddress(testSecret, testDomain, threadID, userID)
}

// send delivers a raw message (with "\n" line endings) over net/smtp and
// returns the error of the first command that failed.
func send(addr, from string, to []string, raw string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Mail(from); err != nil {
		return err
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(strings.ReplaceAll(raw, "\n", "\r\n"))); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

// wantCode fails the test unless err is an SMTP reply with the code.
func wantCode(tb testing.TB, err error, code int) {
	tb.Helper()
	var terr *textproto.Error
	if !errors.As(err, &terr) || terr.Code != code {
		tb.Fatalf("err = %v, want SMTP %d", err, code)
	}
}

const multipartReply = `From: Ada Lovelace <ada@example.com>
To: <%s>
Subject: Re: [Portico] New post in Launch plan
Message-ID: <CAF=abc123@mail.example.com>
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Sounds good =E2=80=94 I'll ship it on Friday.
Second line.

Ada
--=20
Ada Lovelace, Analytical Engines Ltd

On Mon, 2 Mar 2026 at 10:00, Portico <%s> wrote:
> -- Reply above this line --
>
> Grace posted in Launch plan:
> Can we ship this week?
--b1
Content-Type: text/html; charset="UTF-8"

<div>Sounds good</div><div class=3D"gmail_quote">quoted</div>
--b1--
`

func TestListen(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		to := replyAddr(threadID)
		raw := fmt.Sprintf(multipartReply, to, to)
		if err := send(s.Addr(), "bounces@example.com", []string{to}, raw); err != nil {
			t.Fatal(err)
		}
		want := []inbound.Message{{
			ThreadID:  threadID,
			UserID:    userID,
			From:      "ada@example.com",
			MessageID: "CAF=abc123@mail.example.com",
			Text:      "Sounds good — I'll ship it on Friday.\nSecond line.\n\nAda\n",
		}}
		if diff := cmp.Diff(want, rec.messages()); diff != "" {
			t.Errorf("handler got (-want +got):\n%s", diff)
		}
	})

	t.Run("OKSMTPSender", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		sender, err := mail.NewSMTPSender("smtp://" + s.Addr() + "?tls=none")
		if err != nil {
			t.Fatal(err)
		}
		to := replyAddr(threadID)
		err = sender.Send(t.Context(), "Ada <ada@example.com>", mail.Message{
			To:      to,
			Subject: "Re: New post",
			Text: "Yes, Friday works.\n\n" +
				"On Mon, Mar 2, 2026 at 10:00 AM Portico <\n" + to + "> wrote:\n\n" +
				"> -- Reply above this line --\n> Can we ship this week?\n",
			HTML: `<div dir="ltr">Yes, Friday works.</div><br><div class="gmail_quote">` +
				`<blockquote>-- Reply above this line --<br>Can we ship this week?</blockquote></div>`,
		})
		if err != nil {
			t.Fatal(err)
		}
		got := rec.messages()
		if len(got) != 1 || got[0].Text != "Yes, Friday works.\n" || got[0].From != "ada@example.com" {
			t.Errorf("handler got %+v", got)
		}
	})

	t.Run("OKHTMLOnly", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		to := replyAddr(threadID)
		raw := `From: ada@example.com
To: ` + to + `
Subject: Re: post
MIME-Version: 1.0
Content-Type: text/html; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

<html><head><style>p { color: red; }</style><title>x</title></head><body>
<p>Caf=E9 at <b>noon</b>,&nbsp;then&nbsp;we talk.</p><p>A &lt; B &amp; C</p>
<div class=3D"moz-cite-prefix">On 02.03.2026 10:00, Portico wrote:</div>
<blockquote type=3D"cite">-- Reply above this line --<br>Grace posted</blockquote>
</body></html>
`
		if err := send(s.Addr(), "ada@example.com", []string{to}, raw); err != nil {
			t.Fatal(err)
		}
		got := rec.messages()
		if len(got) != 1 {
			t.Fatalf("handler called %d times", len(got))
		}
		if want := "Café at noon, then we talk.\nA < B & C\n"; got[0].Text != want {
			t.Errorf("Text = %q, want %q", got[0].Text, want)
		}
	})

	t.Run("OKSeveralRecipients", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		to1, to2 := replyAddr(threadID), replyAddr(threadID2)
		raw := "From: ada@example.com\nSubject: Re\n\nBoth.\n"
		// The second spelling of to1 is the same recipient: one call.
		if err := send(s.Addr(), "ada@example.com", []string{to1, to2, strings.ToUpper(to1)}, raw); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range rec.messages() {
			got = append(got, m.ThreadID+" "+m.Text)
		}
		if diff := cmp.Diff([]string{threadID + " Both.\n", threadID2 + " Both.\n"}, got); diff != "" {
			t.Errorf("handler calls (-want +got):\n%s", diff)
		}
	})

	t.Run("OKAutoReplyDropped", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		to := replyAddr(threadID)
		raw := "From: ada@example.com\nAuto-Submitted: auto-replied\nSubject: Out of office\n\nI am away.\n"
		if err := send(s.Addr(), "ada@example.com", []string{to}, raw); err != nil {
			t.Fatal(err)
		}
		bounce := "From: MAILER-DAEMON@example.com\nSubject: Undeliverable\n\nSorry.\n"
		if err := send(s.Addr(), "", []string{to}, bounce); err != nil {
			t.Fatal(err)
		}
		if got := rec.messages(); len(got) != 0 {
			t.Errorf("handler got %+v", got)
		}
	})

	t.Run("ErrUnknownRecipient", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		good := replyAddr(threadID)
		forged := good[:strings.IndexByte(good, '@')-1] + "x@" + testDomain
		if forged == good {
			forged = good[:strings.IndexByte(good, '@')-1] + "y@" + testDomain
		}
		for _, to := range []string{
			"postmaster@" + testDomain,
			forged,
			inbound.ReplyAddress(bytes.Repeat([]byte("other"), 8), testDomain, threadID, userID),
			inbound.ReplyAddress(testSecret, "elsewhere.test", threadID, userID),
			strings.Replace(good, threadID, threadID2, 1),
		} {
			err := send(s.Addr(), "ada@example.com", []string{to}, "Subject: x\n\nhi\n")
			wantCode(t, err, 550)
		}
		if got := rec.messages(); len(got) != 0 {
			t.Errorf("handler got %+v", got)
		}
	})

	t.Run("ErrTooManyRecipients", func(t *testing.T) {
		// 452 asks the sender's server to send to the rest in another
		// transaction.
		s := MustListen(t, (&recorder{}).handle)
		var to []string
		for i := range 11 {
			to = append(to, replyAddr(fmt.Sprintf("0195f7a2-0000-7000-8000-%012x", i)))
		}
		wantCode(t, send(s.Addr(), "ada@example.com", to, "Subject: x\n\nhi\n"), 452)
	})

	t.Run("ErrTooLarge", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		line := strings.Repeat("x", 76) + "\n"
		raw := "From: ada@example.com\nSubject: big\n\n" + strings.Repeat(line, inbound.MaxMessageBytes/len(line)+1)
		err := send(s.Addr(), "ada@example.com", []string{replyAddr(threadID)}, raw)
		wantCode(t, err, 552)
		if got := rec.messages(); len(got) != 0 {
			t.Errorf("handler called %d times", len(got))
		}
	})

	t.Run("ErrEmptyReply", func(t *testing.T) {
		rec := &recorder{}
		s := MustListen(t, rec.handle)
		raw := "From: ada@example.com\nSubject: Re\n\n\nOn Mon, 2 Mar 2026 at 10:00, Portico wrote:\n> Can we ship?\n"
		err := send(s.Addr(), "ada@example.com", []string{replyAddr(threadID)}, raw)
		wantCode(t, err, 550)
		if got := rec.messages(); len(got) != 0 {
			t.Errorf("handler got %+v", got)
		}
	})

	t.Run("ErrHandlerTemporary", func(t *testing.T) {
		rec := &recorder{err: errors.New("database is down")}
		s := MustListen(t, rec.handle)
		raw := "From: ada@example.com\nSubject: Re\n\nHello.\n"
		err := send(s.Addr(), "ada@example.com", []string{replyAddr(threadID)}, raw)
		wantCode(t, err, 451)
		if strings.Contains(err.Error(), "database") {
			t.Errorf("the reply reveals the cause: %v", err)
		}

		// And through the project's sender, as a notification job would see it.
		sender, serr := mail.NewSMTPSender("smtp://" + s.Addr() + "?tls=none")
		if serr != nil {
			t.Fatal(serr)
		}
		err = sender.Send(t.Context(), "ada@example.com", mail.Message{To: replyAddr(threadID), Subject: "Re", Text: "Hello."})
		if err == nil || !strings.Contains(err.Error(), "451") {
			t.Errorf("Send err = %v, want a 451", err)
		}
		if got := len(rec.messages()); got != 2 {
			t.Errorf("handler called %d times, want 2", got)
		}
	})

	t.Run("ErrHandlerPermanent", func(t *testing.T) {
		rec := &recorder{err: domain.NotFound("thread")}
		s := MustListen(t, rec.handle)
		err := send(s.Addr(), "ada@example.com", []string{replyAddr(threadID)}, "Subject: Re\n\nHello.\n")
		wantCode(t, err, 550)
		if !strings.Contains(err.Error(), "thread not found") {
			t.Errorf("err = %v, want the safe message", err)
		}
	})

	t.Run("ErrClosed", func(t *testing.T) {
		started := make(chan struct{})
		h := func(ctx context.Context, _ inbound.Message) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}
		s, err := inbound.Listen("127.0.0.1:0", testDomain, testSecret, h, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		sent := make(chan error, 1)
		go func() {
			sent <- send(s.Addr(), "ada@example.com", []string{replyAddr(threadID)}, "Subject: Re\n\nHello.\n")
		}()
		<-started
		// Close cancels the running handler and waits for it.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-sent:
			if err == nil {
				t.Error("send succeeded while the server closed")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("send still running after Close")
		}
		if _, err := smtp.Dial(s.Addr()); err == nil {
			t.Error("dial succeeded after Close")
		}
		if err := s.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

func TestListen_Config(t *testing.T) {
	h := (&recorder{}).handle
	for name, f := range map[string]func() (*inbound.Server, error){
		"ErrEmptyAddr":   func() (*inbound.Server, error) { return inbound.Listen("", testDomain, testSecret, h, nil) },
		"ErrEmptyDomain": func() (*inbound.Server, error) { return inbound.Listen("127.0.0.1:0", "", testSecret, h, nil) },
		"ErrShortSecret": func() (*inbound.Server, error) {
			return inbound.Listen("127.0.0.1:0", testDomain, []byte("short"), h, nil)
		},
		"ErrNilHandler": func() (*inbound.Server, error) {
			return inbound.Listen("127.0.0.1:0", testDomain, testSecret, nil, nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := f()
			if err == nil {
				s.Close()
				t.Fatal("Listen succeeded")
			}
		})
	}
}

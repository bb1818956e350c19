// Package smtptest runs a real SMTP server on loopback for tests. It accepts
// every message (with or without AUTH, over plaintext or TLS), keeps it in
// memory and decodes its subject and bodies so tests can look for links.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server accepted it. Treat it as read-only.
type Received struct {
	From string   // envelope sender (MAIL FROM)
	To   []string // envelope recipients (RCPT TO)
	Data []byte   // the raw message, headers and body

	Header  mail.Header // parsed headers; nil if the message did not parse
	Subject string      // decoded Subject header
	Text    string      // decoded first text/plain part, line endings "\n"
	HTML    string      // decoded first text/html part, line endings "\n"

	User string // user name given to AUTH, "" without AUTH
	TLS  bool   // whether the message arrived over TLS
}

// Option configures Start.
type Option func(*Server)

// WithStartTLS makes the server offer STARTTLS with a self-signed
// certificate. URL then returns an smtp:// URL that skips verification.
func WithStartTLS() Option { return func(s *Server) { s.mode = "starttls" } }

// WithImplicitTLS makes the server speak TLS from the first byte with a
// self-signed certificate. URL then returns an smtps:// URL that skips
// verification.
func WithImplicitTLS() Option { return func(s *Server) { s.mode = "implicit" } }

// Server is a running SMTP server. Its methods are safe for concurrent use.
type Server struct {
	mode string // "", "starttls" or "implicit"
	addr string
	log  *tbLogger

	mu      sync.Mutex
	msgs    []Received
	changed chan struct{} // closed and replaced whenever a message arrives
}

// Start starts a server on 127.0.0.1:0 and stops it when the test ends.
// Without options it speaks plaintext SMTP only.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{log: &tbLogger{tb: tb}, changed: make(chan struct{})}
	for _, opt := range opts {
		opt(s)
	}

	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.ErrorLog = s.log

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	if s.mode != "" {
		srv.TLSConfig = selfSignedTLS(tb)
		if s.mode == "implicit" {
			ln = tls.NewListener(ln, srv.TLSConfig)
		}
	}
	s.addr = ln.Addr().String()

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		srv.Close()
		// Serve may not have registered ln with srv yet; closing it here
		// as well makes sure Serve returns.
		ln.Close()
		if err := <-served; err != nil {
			tb.Errorf("smtptest: serve: %v", err)
		}
		s.log.stop()
	})
	return s
}

// URL returns a URL for mail.NewSMTPSender that reaches this server:
// smtp://127.0.0.1:PORT?tls=none by default.
func (s *Server) URL() string {
	switch s.mode {
	case "starttls":
		return "smtp://" + s.addr + "?insecure_skip_verify=1"
	case "implicit":
		return "smtps://" + s.addr + "?insecure_skip_verify=1"
	default:
		return "smtp://" + s.addr + "?tls=none"
	}
}

// Messages returns the messages received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// WaitFor returns the first received message for which match returns true
// (any message if match is nil), waiting up to timeout for one to arrive.
// On timeout it fails the test with a summary of what did arrive. Like
// tb.Fatal, call it only from the test's goroutine.
func (s *Server) WaitFor(tb testing.TB, match func(Received) bool, timeout time.Duration) Received {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			if match == nil || match(m) {
				s.mu.Unlock()
				return m
			}
		}
		changed := s.changed
		s.mu.Unlock()

		select {
		case <-changed:
		case <-timer.C:
			tb.Fatalf("smtptest: no matching message within %v; received:%s", timeout, s.summary())
			return Received{}
		}
	}
}

func (s *Server) summary() string {
	var b strings.Builder
	msgs := s.Messages()
	if len(msgs) == 0 {
		return " nothing"
	}
	for _, m := range msgs {
		fmt.Fprintf(&b, "\n  to %v: %q", m.To, m.Subject)
	}
	return b.String()
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, conn: c}, nil
}

// session is one SMTP connection; go-smtp calls it from one goroutine.
type session struct {
	srv  *Server
	conn *smtp.Conn
	user string
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, username, _ string) error {
		ss.user = username // any credentials are accepted
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := ss.conn.TLSConnectionState()
	rec := Received{From: ss.from, To: ss.to, Data: data, User: ss.user, TLS: isTLS}
	if err := decode(&rec); err != nil {
		ss.srv.log.Printf("cannot decode message to %v: %v", ss.to, err)
	}
	ss.srv.add(rec)
	ss.to = nil
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// decode fills in the parsed fields of r from r.Data.
func decode(r *Received) error {
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return err
	}
	r.Header = msg.Header
	r.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return fmt.Errorf("subject: %w", err)
	}
	return decodePart(r, textproto.MIMEHeader(msg.Header), msg.Body)
}

// decodePart walks one MIME entity, keeping the first text/plain and
// text/html bodies that are not attachments.
func decodePart(r *Received, h textproto.MIMEHeader, body io.Reader) error {
	ct := h.Get("Content-Type")
	if ct == "" {
		ct = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Errorf("content-type: %w", err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart leaves Content-Transfer-Encoding to us, so that
			// top-level bodies and parts decode the same way.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := decodePart(r, p.Header, p); err != nil {
				return err
			}
		}
	}
	if disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition")); disp == "attachment" {
		return nil
	}
	var dst *string
	switch {
	case mediaType == "text/plain" && r.Text == "":
		dst = &r.Text
	case mediaType == "text/html" && r.HTML == "":
		dst = &r.HTML
	default:
		return nil
	}
	b, err := io.ReadAll(transferDecoder(h.Get("Content-Transfer-Encoding"), body))
	if err != nil {
		return fmt.Errorf("%s body: %w", mediaType, err)
	}
	*dst = strings.ReplaceAll(string(b), "\r\n", "\n")
	return nil
}

func transferDecoder(cte string, body io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "quoted-printable":
		return quotedprintable.NewReader(body)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, body) // skips line breaks
	default: // 7bit, 8bit, binary
		return body
	}
}

// tbLogger passes go-smtp's error log to the test log until the test ends.
type tbLogger struct {
	mu      sync.Mutex
	tb      testing.TB
	stopped bool
}

func (l *tbLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.tb.Logf("smtptest: "+format, v...)
	}
}

func (l *tbLogger) Println(v ...any) {
	l.Printf("%s", strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}

func (l *tbLogger) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}

// selfSignedTLS returns a server config with a fresh certificate for
// 127.0.0.1 and localhost.
func selfSignedTLS(tb testing.TB) *tls.Config {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("smtptest: generate key: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatalf("smtptest: create certificate: %v", err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
}

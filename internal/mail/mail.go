// Package mail sends Portico's outgoing e-mail.
//
// The rest of Portico depends on the Sender interface; SMTPSender is the
// production implementation, configured from a single URL such as
// "smtps://user:pass@mail.example.com" or "smtp://localhost:1025?tls=none".
// Tests run a real SMTP server from package smtptest.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail to a single recipient.
type Message struct {
	// To is the recipient, either "ada@example.com" or "Ada <ada@example.com>".
	To string
	// Subject is the subject line; non-ASCII text is encoded as needed.
	Subject string
	// Text is the plain-text body. It is always sent.
	Text string
	// HTML is an optional HTML version of Text. When set, the message is
	// sent as multipart/alternative with Text first.
	HTML string
	// ReplyTo is an optional Reply-To address.
	ReplyTo string
}

// Sender delivers messages. Implementations are safe for concurrent use.
type Sender interface {
	// Send delivers m from the given From address (which may carry a display
	// name, "Portico <noreply@example.com>"). It returns when the server has
	// accepted the message, or with an error; it gives up when ctx is done.
	Send(ctx context.Context, from string, m Message) error
}

// SMTPSender delivers messages to an SMTP server, opening a fresh connection
// for each message. It is safe for concurrent use.
type SMTPSender struct {
	cfg smtpConfig
}

var _ Sender = (*SMTPSender)(nil)

// smtpConfig is what NewSMTPSender reads from the URL.
type smtpConfig struct {
	host               string
	port               int
	implicitTLS        bool // smtps: TLS from the first byte
	noTLS              bool // tls=none: never STARTTLS
	insecureSkipVerify bool
	username           string
	password           string
}

// NewSMTPSender returns a sender for the server described by rawURL:
//
//	smtp://[user[:pass]@]host[:port]   port 25; STARTTLS when the server offers it
//	smtps://[user[:pass]@]host[:port]  port 465; implicit TLS
//
// Query parameters: tls=none never uses TLS (smtp:// only);
// insecure_skip_verify=1 accepts any server certificate (for tests).
//
// Mechanisms that reveal the password (PLAIN, LOGIN) are used only over TLS,
// or with tls=none, where plaintext is an explicit choice. Errors never
// include the password.
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	cfg, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail: invalid SMTP URL: %w", err)
	}
	return &SMTPSender{cfg: cfg}, nil
}

func parseURL(rawURL string) (smtpConfig, error) {
	var cfg smtpConfig
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included; keep only the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return cfg, err
	}

	switch u.Scheme {
	case "smtp":
		cfg.port = 25
	case "smtps":
		cfg.implicitTLS, cfg.port = true, 465
	default:
		return cfg, fmt.Errorf("scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") {
		return cfg, errors.New(`want smtp://host[:port], without a path`)
	}
	if cfg.host = u.Hostname(); cfg.host == "" {
		return cfg, errors.New("missing host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return cfg, fmt.Errorf("bad port %q", p)
		}
		cfg.port = n
	}
	if u.User != nil {
		cfg.username = u.User.Username()
		cfg.password, _ = u.User.Password()
		if cfg.username == "" && cfg.password != "" {
			return cfg, errors.New("password without user name")
		}
	}
	if err := parseQuery(&cfg, u.RawQuery); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func parseQuery(cfg *smtpConfig, rawQuery string) error {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	for key, vals := range q {
		if len(vals) != 1 {
			return fmt.Errorf("query parameter %q given %d times", key, len(vals))
		}
		v := vals[0]
		switch key {
		case "tls":
			if v != "none" {
				return fmt.Errorf(`tls=%q: the only value is "none"`, v)
			}
			if cfg.implicitTLS {
				return errors.New("tls=none contradicts smtps; use smtp://")
			}
			cfg.noTLS = true
		case "insecure_skip_verify":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("insecure_skip_verify=%q: want 1 or 0", v)
			}
			cfg.insecureSkipVerify = b
		default:
			return fmt.Errorf("unknown query parameter %q", key)
		}
	}
	return nil
}

// Send delivers m over a new SMTP connection. Address errors are reported
// before connecting. If ctx ends first, the connection is closed at once
// and the error wraps ctx.Err().
func (s *SMTPSender) Send(ctx context.Context, from string, m Message) error {
	msg, err := newMsg(from, m)
	if err != nil {
		return fmt.Errorf("mail: send to %s: %w", m.To, err)
	}

	d := &ctxDialer{ctx: ctx, implicitTLS: s.cfg.implicitTLS, tlsConfig: s.tlsConfig()}
	defer d.release()
	client, err := gomail.NewClient(s.cfg.host, s.clientOptions(d)...)
	if err != nil {
		return fmt.Errorf("mail: send to %s: %w", m.To, err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		}
		return fmt.Errorf("mail: send to %s: %w", m.To, err)
	}
	return nil
}

func newMsg(from string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("from address: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("to address: %w", err)
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, fmt.Errorf("reply-to address: %w", err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	return &tls.Config{
		ServerName:         s.cfg.host,
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: s.cfg.insecureSkipVerify, // only when the URL asks, for tests
	}
}

func (s *SMTPSender) clientOptions(d *ctxDialer) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.port),
		gomail.WithTLSConfig(d.tlsConfig),
		gomail.WithDialContextFunc(d.dial),
	}
	// With smtps our dialer has already done TLS; go-mail then sees a TLS
	// connection, skips STARTTLS and treats the session as encrypted.
	if s.cfg.noTLS {
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	switch {
	case s.cfg.username == "":
		// No AUTH.
	case s.cfg.noTLS:
		// The URL chose plaintext, so plaintext mechanisms are allowed.
		opts = append(opts, gomail.WithOpportunisticSMTPAuth(
			gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5,
			gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
	default:
		// Auto-discovery refuses PLAIN and LOGIN when STARTTLS was not offered.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
	}
	if s.cfg.username != "" {
		opts = append(opts, gomail.WithUsername(s.cfg.username), gomail.WithPassword(s.cfg.password))
	}
	return opts
}

// ctxDialer dials the server and ties each connection to the context of one
// Send: go-mail uses its context only while dialling, so without this a
// stalled server would hold Send until go-mail's own timeout.
type ctxDialer struct {
	ctx         context.Context
	implicitTLS bool
	tlsConfig   *tls.Config
	stops       []func() bool
}

func (d *ctxDialer) dial(dialCtx context.Context, network, addr string) (net.Conn, error) {
	var nd net.Dialer
	conn, err := nd.DialContext(dialCtx, network, addr)
	if err != nil {
		return nil, err
	}
	d.stops = append(d.stops, context.AfterFunc(d.ctx, func() { conn.Close() }))
	if !d.implicitTLS {
		return conn, nil
	}
	// Return the *tls.Conn itself: go-mail detects TLS by its type.
	tconn := tls.Client(conn, d.tlsConfig)
	if err := tconn.HandshakeContext(dialCtx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("tls handshake: %w", err)
	}
	return tconn, nil
}

// release stops watching the context once Send is done with the connection.
func (d *ctxDialer) release() {
	for _, stop := range d.stops {
		stop()
	}
}

// String returns the server URL without the password, for logs.
func (s *SMTPSender) String() string {
	u := url.URL{Scheme: "smtp", Host: net.JoinHostPort(s.cfg.host, strconv.Itoa(s.cfg.port))}
	if s.cfg.implicitTLS {
		u.Scheme = "smtps"
	}
	if s.cfg.username != "" {
		u.User = url.User(s.cfg.username)
	}
	var q []string
	if s.cfg.noTLS {
		q = append(q, "tls=none")
	}
	if s.cfg.insecureSkipVerify {
		q = append(q, "insecure_skip_verify=1")
	}
	u.RawQuery = strings.Join(q, "&")
	return u.String()
}

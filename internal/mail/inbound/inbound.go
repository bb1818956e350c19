// Package inbound receives replies to Portico's notification e-mails.
//
// A notification is sent with a Reply-To made by ReplyAddress, which names
// the thread and the user and is signed with a secret. Listen runs an
// MX-style SMTP server that accepts mail only for such addresses, takes the
// new text above the quoted original, and passes it to a Handler, which
// posts it as a reply in the thread.
package inbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/portico-dev/portico/internal/domain"
)

// MaxMessageBytes is the largest message Listen accepts; larger ones get 552.
const MaxMessageBytes = 1 << 20

const (
	maxRecipients  = 10  // per message; more get 452 and arrive in another transaction
	maxConns       = 100 // concurrent connections; more wait to be accepted
	handlerTimeout = time.Minute
	readTimeout    = 5 * time.Minute // RFC 5321 4.5.3.2.7
	writeTimeout   = time.Minute
)

// Message is one reply, for one recipient address.
type Message struct {
	ThreadID string // from the signed recipient address, lower case
	UserID   string // from the signed recipient address, lower case
	// From is the address in the From header (the envelope sender if that
	// header is unusable). Nothing has verified it: the signed recipient
	// address is what identifies the user.
	From string
	// MessageID is the Message-ID header without angle brackets, "" if none.
	// A sender may deliver the same message again (see Handler), so use it
	// with ThreadID and UserID to ignore repeats.
	MessageID string
	// Text is the new text above the quoted original, without signature;
	// never empty. Lines end in "\n".
	Text string
}

// Handler takes one reply. It is called once per valid recipient address
// of a message, in the order given, and stops at the first error.
//
// A *domain.Error with code EINVALID, ENOTFOUND, EFORBIDDEN, EUNAUTHORIZED,
// EGONE or ETOOLARGE rejects the message for good (550, with the error's
// safe message, which the sender's server returns to the user). Any other
// error answers 451, so the sender's server retries later, delivering the
// whole message again: Handler should ignore a MessageID it has already
// posted. ctx ends after a minute or when the server closes.
type Handler func(ctx context.Context, m Message) error

// Server is a running listener made by Listen.
type Server struct {
	domain string
	secret []byte
	handle Handler
	log    *slog.Logger
	smtp   *smtp.Server
	ln     net.Listener
	served chan error // Serve's result

	ctx    context.Context // ends on Close; parent of each handler call's ctx
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool
	inflight sync.WaitGroup // handler calls
	stop     sync.Once
	stopErr  error
}

// Listen listens for SMTP on addr, host:port such as "127.0.0.1:2525"
// (":2525" would mean every interface), and serves until Close. It accepts mail only for addresses made by ReplyAddress
// with the same secret at domain (compared without case); other
// recipients get 550. It offers neither AUTH nor STARTTLS.
func Listen(addr string, domain string, secret []byte, h Handler, log *slog.Logger) (*Server, error) {
	switch {
	case addr == "":
		return nil, errors.New("inbound: listen: empty address")
	case domain == "" || strings.ContainsAny(domain, "@ \t\r\n"):
		return nil, fmt.Errorf("inbound: listen: bad domain %q", domain)
	case len(secret) < MinSecretLen:
		return nil, fmt.Errorf("inbound: listen: %w", ErrShortSecret)
	case h == nil:
		return nil, errors.New("inbound: listen: nil handler")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("inbound: listen: %w", err)
	}
	ln = newLimitListener(ln, maxConns)

	s := &Server{domain: domain, secret: bytes.Clone(secret), handle: h, log: log, ln: ln, served: make(chan error, 1)}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.smtp = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.smtp.Domain = domain
	s.smtp.MaxMessageBytes = MaxMessageBytes
	s.smtp.MaxRecipients = maxRecipients
	s.smtp.ReadTimeout = readTimeout
	s.smtp.WriteTimeout = writeTimeout
	s.smtp.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelWarn)

	go func() {
		err := s.smtp.Serve(ln)
		if err != nil {
			log.Error("inbound: smtp server stopped", "err", err)
		}
		s.served <- err
	}()
	log.Info("inbound: listening for replies", "addr", ln.Addr().String(), "domain", domain)
	return s, nil
}

// Addr returns the address the server listens on, with the port chosen
// when Listen was given port 0.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening, closes open connections, cancels the context of
// running handler calls and waits for them to return. After Close no
// handler call starts. It returns an error only if serving had failed;
// calling it again returns the same.
func (s *Server) Close() error {
	s.stop.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.cancel()
		s.smtp.Close()
		// Serve may not have registered ln yet; closing it here as well
		// makes sure Serve returns.
		s.ln.Close()
		s.stopErr = <-s.served
		s.inflight.Wait()
	})
	return s.stopErr
}

// SMTP replies. Their text reaches the person who wrote the mail, in the
// bounce their own server sends.
var (
	errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
		Message: "No such mailbox: this address does not take replies"}
	errUnreadable = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "The message could not be read"}
	errEmptyReply = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
		Message: "The reply is empty: write it above the quoted message"}
	errTryLater = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Temporary failure, please try again later"}
	errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2},
		Message: "Shutting down, please try again later"}
)

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{srv: s, remote: c.Conn().RemoteAddr().String()}, nil
}

// recipient reports the ids in a recipient address at the server's domain.
func (s *Server) recipient(to string) (threadID, userID string, err error) {
	at := strings.LastIndexByte(to, '@')
	if at < 0 || !strings.EqualFold(to[at+1:], s.domain) {
		return "", "", fmt.Errorf("%w %q: not at %s", ErrMalformedAddress, to, s.domain)
	}
	return ParseReplyAddress(s.secret, to)
}

// deliver calls the handler unless the server is closing, and turns its
// error into an SMTP reply.
func (s *Server) deliver(m Message, remote string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errShuttingDown
	}
	s.inflight.Add(1)
	s.mu.Unlock()
	defer s.inflight.Done()

	ctx, cancel := context.WithTimeout(s.ctx, handlerTimeout)
	defer cancel()
	err := s.handle(ctx, m)
	if err == nil {
		s.log.Info("inbound: reply accepted", "thread", m.ThreadID, "user", m.UserID, "message_id", m.MessageID)
		return nil
	}
	if s.ctx.Err() != nil {
		s.log.Info("inbound: reply interrupted by Close", "thread", m.ThreadID, "user", m.UserID, "err", err)
		return errShuttingDown
	}
	switch code := domain.ErrorCode(err); code {
	case domain.EINVALID, domain.ENOTFOUND, domain.EFORBIDDEN, domain.EUNAUTHORIZED, domain.EGONE, domain.ETOOLARGE:
		s.log.Info("inbound: reply refused", "thread", m.ThreadID, "user", m.UserID, "remote", remote, "code", code, "err", err)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: "Reply not accepted: " + replyText(domain.ErrorMessage(err))}
	default:
		s.log.Error("inbound: handle reply", "thread", m.ThreadID, "user", m.UserID, "remote", remote, "err", err)
		return errTryLater
	}
}

// replyText makes s safe for one SMTP reply line: printable ASCII, short.
func replyText(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '?'
		}
	}
	if len(b) > 200 {
		b = b[:200]
	}
	return string(b)
}

// session is one SMTP connection. go-smtp calls Data from another
// goroutine when the client uses BDAT, hence the mutex.
type session struct {
	srv    *Server
	remote string

	mu    sync.Mutex
	from  string
	rcpts []Message // ThreadID and UserID set
}

var _ smtp.Session = (*session)(nil)

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	threadID, userID, err := ss.srv.recipient(to)
	if err != nil {
		level := slog.LevelDebug // mostly spam
		if errors.Is(err, ErrForgedAddress) {
			level = slog.LevelWarn // altered, or signed with an older secret
		}
		ss.srv.log.Log(context.Background(), level, "inbound: recipient refused", "to", to, "remote", ss.remote, "err", err)
		return errNoMailbox
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for _, r := range ss.rcpts {
		if r.ThreadID == threadID && r.UserID == userID {
			return nil // the same address twice, perhaps in another case
		}
	}
	ss.rcpts = append(ss.rcpts, Message{ThreadID: threadID, UserID: userID})
	return nil
}

func (ss *session) Data(r io.Reader) error {
	ss.mu.Lock()
	from, rcpts := ss.from, append([]Message(nil), ss.rcpts...)
	ss.mu.Unlock()

	data, err := io.ReadAll(r)
	if err != nil {
		return err // go-smtp's *SMTPError for a message over the limit: 552
	}
	m, err := parseMessage(data)
	if err != nil {
		ss.srv.log.Info("inbound: unreadable message", "remote", ss.remote, "err", err)
		return errUnreadable
	}
	if from == "" || m.automatic {
		// Answering a bounce or an out-of-office reply with a bounce
		// risks a loop; take it and drop it.
		ss.srv.log.Info("inbound: dropped automatic message", "from", from, "message_id", m.messageID, "remote", ss.remote)
		return nil
	}
	if m.text == "" {
		ss.srv.log.Info("inbound: empty reply", "from", from, "message_id", m.messageID, "remote", ss.remote)
		return errEmptyReply
	}
	if m.from == "" {
		m.from = from
	}
	for _, rcpt := range rcpts {
		rcpt.From, rcpt.MessageID, rcpt.Text = m.from, m.messageID, m.text
		if err := ss.srv.deliver(rcpt, ss.remote); err != nil {
			return err
		}
	}
	return nil
}

func (ss *session) Reset() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.from, ss.rcpts = "", nil
}

func (ss *session) Logout() error { return nil }

// limitListener accepts at most n connections at a time; Accept waits for
// a free slot. (Like golang.org/x/net/netutil.LimitListener.)
type limitListener struct {
	net.Listener
	sem  chan struct{}
	done chan struct{}
	once sync.Once
}

func newLimitListener(ln net.Listener, n int) *limitListener {
	return &limitListener{Listener: ln, sem: make(chan struct{}, n), done: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	select {
	case l.sem <- struct{}{}:
	case <-l.done:
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: sync.OnceFunc(func() { <-l.sem })}, nil
}

func (l *limitListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.done) })
	return err
}

type limitConn struct {
	net.Conn
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.release()
	return err
}

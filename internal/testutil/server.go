package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/server"
	"github.com/portico-dev/portico/internal/store"
)

// Server is a real Portico (store, job worker, HTTP on a loopback port) talking real SMTP to
// an in-test mail server.
type Server struct {
	*server.Main
	URL     string
	SMTP    *smtptest.Server
	Dialect string
}

// StartServer runs Portico on 127.0.0.1:0 against a fresh database of the dialect. It is shut
// down gracefully when the test ends. Set PORTICO_TEST_LOG=1 to see its log.
func StartServer(tb testing.TB, dialect string) *Server {
	tb.Helper()
	return StartServerWith(tb, dialect)
}

// Password is the password the builders give every user.
const Password = "correct-horse-battery-staple"

var seq atomic.Int64

// UniqueEmail returns a fresh address under the domain.
func UniqueEmail(name string) string {
	return fmt.Sprintf("%s%d@%s.example", name, seq.Add(1), "test")
}

// Person is a user made by a builder, with how to act as them.
type Person struct {
	User     domain.User
	Member   *domain.Member
	Email    string
	Password string
	Token    string // a personal API token
}

// AccountFixture is an account with its first administrator.
type AccountFixture struct {
	Account *domain.Account
	Admin   Person
}

// MustCreateAccount creates an account and its administrator (with an API token).
func MustCreateAccount(tb testing.TB, a *app.App, name string) AccountFixture {
	tb.Helper()
	email := UniqueEmail("admin")
	acct, m, err := a.CreateAccount(context.Background(), name, email, Password, "Ada", "Admin")
	if err != nil {
		tb.Fatalf("create account: %v", err)
	}
	admin := Person{Member: m, Email: email, Password: Password}
	admin.User = domain.User{ID: m.UserID, Email: email}
	admin.Token = MustToken(tb, a, m.UserID)
	return AccountFixture{Account: acct, Admin: admin}
}

// MustCreateMember adds a member at the level through a real invitation and acceptance, and
// gives them an API token. A Punch Clock member is first given a bill rate.
func MustCreateMember(tb testing.TB, a *app.App, f AccountFixture, level domain.AccountLevel, first string) Person {
	tb.Helper()
	ctx := context.Background()
	act := MustActor(tb, a, f.Admin.User.ID, f.Account.ID)
	email := UniqueEmail(strings.ToLower(first))
	inviteLevel := level
	if level == domain.LevelPunchClock {
		inviteLevel = domain.LevelCollaborator
	}
	_, link, err := a.Invite(ctx, act, email, string(inviteLevel))
	if err != nil {
		tb.Fatalf("invite: %v", err)
	}
	token := link[strings.LastIndex(link, "/")+1:]
	if _, err := a.AcceptInvitation(ctx, token, app.AcceptInput{FirstName: first, LastName: "Tester", Password: Password}, app.Client{IP: "127.0.0.1"}); err != nil {
		tb.Fatalf("accept: %v", err)
	}
	u, _, err := a.Store.FindUserCredentials(ctx, email)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := a.Store.FindMemberByUser(ctx, f.Account.ID, u.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if level == domain.LevelPunchClock {
		rate, lvl := int64(5000), string(level)
		if _, err := a.UpdateMember(ctx, act, m.ID, app.MemberChange{DefaultBillRate: &rate, Level: &lvl}); err != nil {
			tb.Fatalf("make punch clock: %v", err)
		}
		m, _ = a.Store.FindMemberByUser(ctx, f.Account.ID, u.ID)
	}
	return Person{User: *u, Member: m, Email: email, Password: Password, Token: MustToken(tb, a, u.ID)}
}

// MustActor loads a user acting in an account.
func MustActor(tb testing.TB, a *app.App, userID, accountID string) *app.Actor {
	tb.Helper()
	u, err := a.Store.FindUserByID(context.Background(), userID)
	if err != nil {
		tb.Fatal(err)
	}
	act, err := a.Actor(context.Background(), &store.Principal{User: *u}, accountID)
	if err != nil {
		tb.Fatalf("actor: %v", err)
	}
	return act
}

// MustToken creates a personal API token for the user.
func MustToken(tb testing.TB, a *app.App, userID string) string {
	tb.Helper()
	_, secret, err := a.CreateToken(context.Background(), &store.Principal{User: domain.User{ID: userID}}, "test")
	if err != nil {
		tb.Fatalf("token: %v", err)
	}
	return secret
}

// Client is an HTTP client for the test server that keeps cookies and can send a token.
type Client struct {
	tb    testing.TB
	base  string
	HTTP  *http.Client
	Token string
}

// NewClient returns a client with its own cookie jar that does not follow redirects.
func (s *Server) NewClient(tb testing.TB, token string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{tb: tb, base: s.URL, Token: token, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(tb testing.TB, v any) {
	tb.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		tb.Fatalf("decode %s: %v\n%s", r.Request.URL.Path, err, r.Body)
	}
}

// Do sends a request; body is JSON-encoded unless it is a string or []byte (sent as is).
func (c *Client) Do(method, path string, body any) *Response {
	c.tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			c.tb.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.tb.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return &Response{Response: resp, Body: b}
}

// Must sends a request and fails the test unless the status is want.
func (c *Client) Must(want int, method, path string, body any) *Response {
	c.tb.Helper()
	r := c.Do(method, path, body)
	if r.StatusCode != want {
		c.tb.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.StatusCode, want, r.Body)
	}
	return r
}

package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/api"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// forEachDialect runs f as a subtest per dialect, each against a fresh real server.
func forEachDialect(t *testing.T, f func(t *testing.T, srv *testutil.Server)) {
	t.Helper()
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) { f(t, testutil.StartServer(t, d)) })
	}
}

// call sends a request and fails t (not the test that made the client) unless the status is want.
func call(t *testing.T, c *testutil.Client, want int, method, path string, body any) *testutil.Response {
	t.Helper()
	r := c.Do(method, path, body)
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.StatusCode, want, r.Body)
	}
	return r
}

// problem is an RFC 9457 problem document as the API sends it.
type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Code   string `json:"code"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// wantProblem checks that r is a problem+json answer with the status, a detail, and (for
// validation errors) an error naming each of fields.
func wantProblem(t *testing.T, r *testutil.Response, status int, fields ...string) problem {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.Body)
	}
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/problem+json" {
		t.Errorf("%s %s: content type %q, want application/problem+json", r.Request.Method, r.Request.URL.Path, r.Header.Get("Content-Type"))
	}
	var p problem
	r.JSON(t, &p)
	if p.Status != status || p.Detail == "" {
		t.Errorf("problem status %d detail %q, want status %d and a detail\n%s", p.Status, p.Detail, status, r.Body)
	}
	if status == http.StatusUnauthorized && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Errorf("401 without a Bearer challenge: WWW-Authenticate %q", r.Header.Get("WWW-Authenticate"))
	}
	if status == http.StatusUnprocessableEntity && len(p.Errors) == 0 {
		t.Errorf("validation problem without an errors list\n%s", r.Body)
	}
	for _, f := range fields {
		found := false
		for _, e := range p.Errors {
			found = found || (e.Field == f && e.Message != "")
		}
		if !found {
			t.Errorf("no error for field %q\n%s", f, r.Body)
		}
	}
	return p
}

// accountState reads through the API everything about an account that a request to it
// could change: the account, its members, invitations, access groups and outbox, and the
// profile and tokens of each reader.
func accountState(t *testing.T, admin *testutil.Client, accountID string, readers ...*testutil.Client) map[string]any {
	t.Helper()
	acct := "/api/v1/accounts/" + accountID
	state := map[string]any{}
	read := func(key string, c *testutil.Client, path string) {
		var v any
		call(t, c, http.StatusOK, "GET", path, nil).JSON(t, &v)
		state[key] = v
	}
	for _, p := range []string{acct, acct + "/members?limit=200", acct + "/invitations", acct + "/access-groups", "/api/v1/me", "/api/v1/tokens"} {
		read("admin "+p, admin, p)
	}
	// Mail changes status as the worker sends it; what matters is which mails exist.
	var outbox struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	call(t, admin, http.StatusOK, "GET", acct+"/outbox?limit=200", nil).JSON(t, &outbox)
	state["outbox"] = outbox.Items
	for i, c := range readers {
		for _, p := range []string{"/api/v1/me", "/api/v1/tokens"} {
			read(strings.Repeat("reader ", i+1)+p, c, p)
		}
	}
	return state
}

func tokenOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// revokedTokenClient creates an API token through c, revokes it and returns a client using it.
func revokedTokenClient(t *testing.T, srv *testutil.Server, c *testutil.Client) *testutil.Client {
	t.Helper()
	var tok struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}
	call(t, c, http.StatusCreated, "POST", "/api/v1/tokens", map[string]string{"name": "soon revoked"}).JSON(t, &tok)
	call(t, c, http.StatusNoContent, "DELETE", "/api/v1/tokens/"+tok.ID, nil)
	return srv.NewClient(t, tok.Secret)
}

// expiredInvitation invites an address through a second store on the same database whose
// clock runs more than the invitation lifetime behind, so the server sees the link as
// expired without its own clock being touched while it runs.
func expiredInvitation(t *testing.T, srv *testutil.Server, f testutil.AccountFixture, email string) string {
	t.Helper()
	s, err := store.Open(context.Background(), srv.Config.DatabaseURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Now = func() time.Time { return time.Now().Add(-domain.InvitationTTL - time.Hour) }
	past := app.New(s, srv.URL, nil)
	_, link, err := past.Invite(context.Background(), testutil.MustActor(t, past, f.Admin.User.ID, f.Account.ID), email, "collaborator")
	if err != nil {
		t.Fatalf("invite in the past: %v", err)
	}
	return tokenOf(link)
}

func noUser(t *testing.T, srv *testutil.Server, email string) {
	t.Helper()
	if _, _, err := srv.Store.FindUserCredentials(context.Background(), email); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("a user %s exists after a refused request (err %v)", email, err)
	}
}

func passwordIs(t *testing.T, srv *testutil.Server, email, password string) {
	t.Helper()
	_, hash, err := srv.Store.FindUserCredentials(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	if auth.CheckPassword(hash, password) != nil {
		t.Errorf("the password of %s changed", email)
	}
}

type badCase struct {
	name         string
	as           *testutil.Client
	method, path string
	body         any
	status       int
	fields       []string
}

// Every kind of bad input is answered with a problem document and changes nothing.
func TestBadInput(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, srv *testutil.Server) {
		f := testutil.MustCreateAccount(t, srv.App, "Acme")
		other := testutil.MustCreateAccount(t, srv.App, "Other")
		cole := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Cole")
		admin := srv.NewClient(t, f.Admin.Token)
		member := srv.NewClient(t, cole.Token)
		anon := srv.NewClient(t, "")
		acct := "/api/v1/accounts/" + f.Account.ID
		colePath := acct + "/members/" + cole.Member.ID
		adminPath := acct + "/members/" + f.Admin.Member.ID

		// A pending invitation, whose link the accept cases use.
		inviteeEmail := testutil.UniqueEmail("ivy")
		var inv struct {
			ID   string `json:"id"`
			Link string `json:"link"`
		}
		call(t, admin, http.StatusCreated, "POST", acct+"/members", map[string]string{"email": inviteeEmail, "level": "collaborator"}).JSON(t, &inv)
		acceptPath := "/api/v1/invitations/" + tokenOf(inv.Link) + "/accept"
		revoked := revokedTokenClient(t, srv, admin)

		good := map[string]any{"first_name": "Ivy", "last_name": "Invitee", "password": "a long enough password"}
		accept := func(kv ...any) map[string]any {
			m := map[string]any{}
			for k, v := range good {
				m[k] = v
			}
			for i := 0; i < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
				} else {
					m[kv[i].(string)] = kv[i+1]
				}
			}
			return m
		}
		invite := func(email, level string) map[string]string { return map[string]string{"email": email, "level": level} }
		long := strings.Repeat("x", domain.MaxNameLen+1)
		huge := strings.Repeat("a", 70<<10) // over the 64 KiB body limit
		settings := map[string]any{"provider_side_name": "Provider", "client_side_name": "Client", "default_post_privacy": "public",
			"external_financial_allowed": true, "provider_side_members_only": false, "currency": "EUR", "brand_color": "#4f46e5"}

		cases := []badCase{
			{"malformed JSON/invite", admin, "POST", acct + "/members", `{"email": "x@y.example",`, 400, nil},
			{"malformed JSON/accept", anon, "POST", acceptPath, `{"password": }`, 400, nil},
			{"malformed JSON/profile", member, "PATCH", "/api/v1/me", `not json`, 400, nil},
			{"malformed JSON/member", admin, "PATCH", colePath, `{"level": "project_lead"`, 400, nil},
			{"malformed JSON/sign-in", anon, "POST", "/api/v1/session", `{"email":`, 400, nil},
			{"wrong JSON type", admin, "PATCH", colePath, `{"level": 7}`, 422, []string{"level"}},

			{"oversized/profile", member, "PATCH", "/api/v1/me", `{"first_name":"` + huge + `"}`, 413, nil},
			{"oversized/invite", admin, "POST", acct + "/members", `{"email":"` + huge + `@x.example","level":"collaborator"}`, 413, nil},
			{"oversized/accept", anon, "POST", acceptPath, `{"first_name":"Ivy","last_name":"` + huge + `","password":"a long enough password"}`, 413, nil},

			{"mass assignment/accept with level and e-mail", anon, "POST", acceptPath, accept("email", "boss@evil.example", "level", "account_admin"), 422, []string{"email", "level"}},
			{"mass assignment/accept with account", anon, "POST", acceptPath, accept("account_id", other.Account.ID), 422, []string{"account_id"}},
			{"mass assignment/profile account", member, "PATCH", "/api/v1/me", map[string]any{"first_name": "Mallory", "account_id": other.Account.ID}, 422, []string{"account_id"}},
			{"mass assignment/profile e-mail", member, "PATCH", "/api/v1/me", map[string]any{"email": "mallory@evil.example"}, 422, []string{"email"}},
			{"mass assignment/profile level", member, "PATCH", "/api/v1/me", map[string]any{"level": "account_admin"}, 422, []string{"level"}},
			{"mass assignment/member account", admin, "PATCH", colePath, map[string]any{"level": "project_lead", "account_id": other.Account.ID}, 422, []string{"account_id"}},
			{"mass assignment/member user", admin, "PATCH", colePath, map[string]any{"user_id": f.Admin.User.ID}, 422, []string{"user_id"}},
			{"mass assignment/invite account", admin, "POST", acct + "/members", map[string]any{"email": testutil.UniqueEmail("x"), "level": "collaborator", "account_id": other.Account.ID}, 422, []string{"account_id"}},
			{"mass assignment/sign-in account", anon, "POST", "/api/v1/session", map[string]any{"email": cole.Email, "password": cole.Password, "account_id": other.Account.ID}, 422, []string{"account_id"}},

			{"not allowed/member raises own level", member, "PATCH", colePath, map[string]any{"level": "account_admin"}, 403, nil},
			{"not allowed/member lowers admin", member, "PATCH", adminPath, map[string]any{"level": "collaborator"}, 403, nil},
			{"not allowed/member deactivates admin", member, "PATCH", adminPath, map[string]any{"active": false}, 403, nil},
			{"not allowed/member sets own rate", member, "PATCH", colePath, map[string]any{"default_bill_rate_minor": 99999}, 403, nil},
			{"not allowed/member invites", member, "POST", acct + "/members", invite(testutil.UniqueEmail("friend"), "collaborator"), 403, nil},
			{"not allowed/member changes account", member, "PATCH", acct, map[string]any{"name": "Hijacked", "settings": settings}, 403, nil},
			{"not allowed/member creates access group", member, "POST", acct + "/access-groups", map[string]any{"name": "Sneaky", "capabilities": []string{"view_all_projects"}, "default_levels": []string{}}, 403, nil},
			{"not allowed/member revokes invitation", member, "DELETE", acct + "/invitations/" + inv.ID, nil, 403, nil},

			{"unknown level/member", admin, "PATCH", colePath, map[string]any{"level": "owner"}, 422, []string{"level"}},
			{"unknown level/display name", admin, "PATCH", colePath, map[string]any{"level": "Account Administrator"}, 422, []string{"level"}},
			{"unknown level/invite", admin, "POST", acct + "/members", invite(testutil.UniqueEmail("x"), "superuser"), 422, []string{"level"}},
			{"unknown level/access group default", admin, "POST", acct + "/access-groups", map[string]any{"name": "G", "capabilities": []string{}, "default_levels": []string{"owner"}}, 422, []string{"default_levels"}},
			{"unknown capability", admin, "POST", acct + "/access-groups", map[string]any{"name": "G", "capabilities": []string{"root"}, "default_levels": []string{}}, 422, []string{"capabilities[0]"}},
			{"unknown access group", admin, "PATCH", colePath, map[string]any{"access_groups": []string{store.NewID()}}, 422, []string{"access_groups"}},
			{"punch clock by invitation", admin, "POST", acct + "/members", invite(testutil.UniqueEmail("x"), "punch_clock"), 422, []string{"level"}},
			{"negative rate", admin, "PATCH", colePath, map[string]any{"cost_rate_minor": -1}, 422, []string{"cost_rate_minor"}},
			{"absurd rate", admin, "PATCH", colePath, map[string]any{"default_bill_rate_minor": int64(1e12)}, 422, []string{"default_bill_rate_minor"}},
			{"bad settings", admin, "PATCH", acct, map[string]any{"name": "Acme", "settings": merge(settings, "currency", "eur", "brand_color", "red")}, 422, []string{"settings.currency", "settings.brand_color"}},

			{"over-long/first name", member, "PATCH", "/api/v1/me", map[string]any{"first_name": long}, 422, []string{"first_name"}},
			{"over-long/last name in runes", member, "PATCH", "/api/v1/me", map[string]any{"last_name": strings.Repeat("é", domain.MaxNameLen+1)}, 422, []string{"last_name"}},
			{"over-long/accept names", anon, "POST", acceptPath, accept("first_name", long, "last_name", long), 422, []string{"first_name", "last_name"}},
			{"over-long/invite e-mail", admin, "POST", acct + "/members", invite(strings.Repeat("a", 250)+"@x.example", "collaborator"), 422, []string{"email"}},
			{"over-long/sign-in e-mail", anon, "POST", "/api/v1/session", map[string]string{"email": strings.Repeat("a", 250) + "@x.example", "password": "whatever it is"}, 422, []string{"email"}},
			{"over-long/token name", member, "POST", "/api/v1/tokens", map[string]string{"name": long}, 422, []string{"name"}},
			{"over-long/access group name", admin, "POST", acct + "/access-groups", map[string]any{"name": long, "capabilities": []string{}, "default_levels": []string{}}, 422, []string{"name"}},
			{"over-long/account name", admin, "PATCH", acct, map[string]any{"name": strings.Repeat("n", 121), "settings": settings}, 422, []string{"name"}},
			{"over-long/password", anon, "POST", acceptPath, accept("password", strings.Repeat("p", domain.MaxPasswordLen+1)), 422, []string{"password"}},

			{"missing/blank first name", member, "PATCH", "/api/v1/me", map[string]any{"first_name": "   "}, 422, []string{"first_name"}},
			{"missing/accept without names", anon, "POST", acceptPath, accept("first_name", nil, "last_name", nil), 422, []string{"first_name", "last_name"}},
			{"missing/token name", member, "POST", "/api/v1/tokens", map[string]string{"name": ""}, 422, []string{"name"}},
			{"markup in a name", member, "PATCH", "/api/v1/me", map[string]any{"first_name": "<script>"}, 422, []string{"first_name"}},
			{"unknown theme", member, "PATCH", "/api/v1/me", map[string]any{"theme": "neon"}, 422, []string{"theme"}},

			{"weak password/too short", anon, "POST", acceptPath, accept("password", "short1"), 422, []string{"password"}},
			{"weak password/common", anon, "POST", acceptPath, accept("password", "password123"), 422, []string{"password"}},
			{"weak password/common in capitals", anon, "POST", acceptPath, accept("password", "PassWord123"), 422, []string{"password"}},
			{"weak password/digit run", anon, "POST", acceptPath, accept("password", "1234567890"), 422, []string{"password"}},
			{"weak password/one character", anon, "POST", acceptPath, accept("password", "zzzzzzzzzzzz"), 422, []string{"password"}},
			{"weak password/new password", member, "POST", "/api/v1/me/password", map[string]string{"current_password": cole.Password, "new_password": "password123"}, 422, []string{"new_password"}},
			{"wrong current password", member, "POST", "/api/v1/me/password", map[string]string{"current_password": "not my password at all", "new_password": "a fine new passphrase"}, 422, []string{"current_password"}},

			{"revoked token/invite", revoked, "POST", acct + "/members", invite(testutil.UniqueEmail("x"), "collaborator"), 401, nil},
			{"revoked token/me", revoked, "GET", "/api/v1/me", nil, 401, nil},
			{"unknown token", srv.NewClient(t, "ptc_"+strings.Repeat("A", 43)), "PATCH", "/api/v1/me", map[string]any{"first_name": "Nobody"}, 401, nil},
			{"no credentials", anon, "PATCH", "/api/v1/me", map[string]any{"first_name": "Nobody"}, 401, nil},
		}
		for _, addr := range []string{"", "not-an-email", "a@b", "two@@example.com", "Eve <eve@example.com>", "eve@example.com, mallory@example.com", "eve@example.com\r\nBcc: mallory@example.com", "eve example@example.com"} {
			cases = append(cases,
				badCase{"invalid e-mail/invite " + addr, admin, "POST", acct + "/members", invite(addr, "collaborator"), 422, []string{"email"}},
				badCase{"invalid e-mail/password reset " + addr, anon, "POST", "/api/v1/password-resets", map[string]string{"email": addr}, 422, []string{"email"}})
		}

		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := accountState(t, admin, f.Account.ID, member)
				wantProblem(t, c.as.Do(c.method, c.path, c.body), c.status, c.fields...)
				if diff := cmp.Diff(before, accountState(t, admin, f.Account.ID, member)); diff != "" {
					t.Errorf("the refused request changed the account (-before +after):\n%s", diff)
				}
				noUser(t, srv, inviteeEmail)
				call(t, anon, http.StatusOK, "GET", "/api/v1/invitations/"+tokenOf(inv.Link), nil)
				passwordIs(t, srv, cole.Email, cole.Password)
			})
		}

		t.Run("reused invitation link", func(t *testing.T) {
			call(t, srv.NewClient(t, ""), http.StatusOK, "POST", acceptPath, good)
			before := accountState(t, admin, f.Account.ID)
			wantProblem(t, anon.Do("POST", acceptPath, accept("first_name", "Eve", "password", "another long password")), http.StatusGone)
			wantProblem(t, anon.Do("GET", "/api/v1/invitations/"+tokenOf(inv.Link), nil), http.StatusGone)
			if diff := cmp.Diff(before, accountState(t, admin, f.Account.ID)); diff != "" {
				t.Errorf("reusing the link changed the account (-before +after):\n%s", diff)
			}
			passwordIs(t, srv, inviteeEmail, "a long enough password")
		})

		t.Run("expired invitation link", func(t *testing.T) {
			email := testutil.UniqueEmail("late")
			token := expiredInvitation(t, srv, f, email)
			before := accountState(t, admin, f.Account.ID)
			wantProblem(t, anon.Do("GET", "/api/v1/invitations/"+token, nil), http.StatusGone)
			wantProblem(t, anon.Do("POST", "/api/v1/invitations/"+token+"/accept", good), http.StatusGone)
			if diff := cmp.Diff(before, accountState(t, admin, f.Account.ID)); diff != "" {
				t.Errorf("an expired link changed the account (-before +after):\n%s", diff)
			}
			noUser(t, srv, email)
			var list []struct{ Email, Status string }
			call(t, admin, http.StatusOK, "GET", acct+"/invitations", nil).JSON(t, &list)
			for _, i := range list {
				if i.Email == email && i.Status != "expired" {
					t.Errorf("expired invitation listed as %q", i.Status)
				}
			}
		})

		t.Run("withdrawn invitation link", func(t *testing.T) {
			email := testutil.UniqueEmail("withdrawn")
			var w struct {
				ID   string `json:"id"`
				Link string `json:"link"`
			}
			call(t, admin, http.StatusCreated, "POST", acct+"/members", invite(email, "collaborator")).JSON(t, &w)
			call(t, admin, http.StatusNoContent, "DELETE", acct+"/invitations/"+w.ID, nil)
			wantProblem(t, anon.Do("POST", "/api/v1/invitations/"+tokenOf(w.Link)+"/accept", good), http.StatusGone)
			noUser(t, srv, email)
			// A newer invitation to the same address retires the older link.
			var first, second struct {
				Link string `json:"link"`
			}
			email = testutil.UniqueEmail("twice")
			call(t, admin, http.StatusCreated, "POST", acct+"/members", invite(email, "collaborator")).JSON(t, &first)
			call(t, admin, http.StatusCreated, "POST", acct+"/members", invite(email, "project_lead")).JSON(t, &second)
			wantProblem(t, anon.Do("POST", "/api/v1/invitations/"+tokenOf(first.Link)+"/accept", good), http.StatusGone)
			noUser(t, srv, email)
		})

		t.Run("unknown invitation link", func(t *testing.T) {
			for _, token := range []string{"pti_" + strings.Repeat("x", 43), "nonsense"} {
				wantProblem(t, anon.Do("GET", "/api/v1/invitations/"+token, nil), http.StatusNotFound)
				wantProblem(t, anon.Do("POST", "/api/v1/invitations/"+token+"/accept", good), http.StatusNotFound)
			}
		})

		t.Run("limits are in characters", func(t *testing.T) {
			name := strings.Repeat("é", domain.MaxNameLen)
			var u struct {
				FirstName string `json:"first_name"`
			}
			call(t, member, http.StatusOK, "PATCH", "/api/v1/me", map[string]any{"first_name": name}).JSON(t, &u)
			if u.FirstName != name {
				t.Errorf("first name %q, want %q", u.FirstName, name)
			}
			var g struct {
				Name string `json:"name"`
			}
			call(t, admin, http.StatusCreated, "POST", acct+"/access-groups", map[string]any{"name": name, "capabilities": []string{}, "default_levels": []string{}}).JSON(t, &g)
			if g.Name != name {
				t.Errorf("group name %q, want %q", g.Name, name)
			}
		})
	})
}

func merge(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// signIn posts credentials from a fresh client with its own cookie jar.
func signIn(t *testing.T, srv *testutil.Server, email, password string) (*testutil.Client, *testutil.Response) {
	t.Helper()
	c := srv.NewClient(t, "")
	return c, c.Do("POST", "/api/v1/session", map[string]string{"email": email, "password": password})
}

type sessionJSON struct {
	ID      string `json:"id"`
	Current bool   `json:"current"`
}

func currentSession(t *testing.T, c *testutil.Client) (string, int) {
	t.Helper()
	var ss []sessionJSON
	call(t, c, http.StatusOK, "GET", "/api/v1/me/sessions", nil).JSON(t, &ss)
	cur := ""
	for _, s := range ss {
		if s.Current {
			if cur != "" {
				t.Errorf("two sessions flagged current: %+v", ss)
			}
			cur = s.ID
		}
	}
	return cur, len(ss)
}

func TestSessionsAndTokens(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, srv *testutil.Server) {
		f := testutil.MustCreateAccount(t, srv.App, "Sessions Ltd")

		t.Run("sign in sets an HTTP-only SameSite cookie", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Cora")
			c, r := signIn(t, srv, strings.ToUpper(p.Email), p.Password)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("sign in: %d %s", r.StatusCode, r.Body)
			}
			var ck *http.Cookie
			for _, x := range r.Cookies() {
				if x.Name == api.SessionCookie {
					ck = x
				}
			}
			if ck == nil {
				t.Fatalf("no %s cookie in %q", api.SessionCookie, r.Header.Values("Set-Cookie"))
			}
			if !ck.HttpOnly || ck.Secure || (ck.SameSite != http.SameSiteLaxMode && ck.SameSite != http.SameSiteStrictMode) || ck.Path != "/" {
				t.Errorf("cookie %q: want HttpOnly, SameSite, no Secure on http, path /", r.Header.Get("Set-Cookie"))
			}
			if !strings.HasPrefix(ck.Value, "pts_") || !ck.Expires.After(time.Now()) {
				t.Errorf("cookie value or expiry: %q", r.Header.Get("Set-Cookie"))
			}
			var me struct {
				User struct {
					Email string `json:"email"`
				} `json:"user"`
				CurrentAccountID string `json:"current_account_id"`
			}
			call(t, c, http.StatusOK, "GET", "/api/v1/me", nil).JSON(t, &me)
			if me.User.Email != p.Email || me.CurrentAccountID != f.Account.ID {
				t.Errorf("signed in as %+v", me)
			}
		})

		t.Run("wrong password and unknown e-mail answer alike", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Wes")
			_, wrong := signIn(t, srv, p.Email, "not the password at all")
			_, unknown := signIn(t, srv, testutil.UniqueEmail("nobody"), "not the password at all")
			pw := wantProblem(t, wrong, http.StatusUnauthorized)
			pu := wantProblem(t, unknown, http.StatusUnauthorized)
			if diff := cmp.Diff(pw, pu); diff != "" {
				t.Errorf("wrong password and unknown e-mail differ (-wrong +unknown):\n%s", diff)
			}
			if len(wrong.Cookies()) != 0 {
				t.Errorf("failed sign-in set a cookie: %q", wrong.Header.Values("Set-Cookie"))
			}
		})

		t.Run("sign-in throttled per e-mail after five failures", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Tess")
			for i := range app.MaxFailuresEmail {
				if _, r := signIn(t, srv, p.Email, "wrong password number x"); r.StatusCode != http.StatusUnauthorized {
					t.Fatalf("failure %d: status %d", i+1, r.StatusCode)
				}
			}
			_, r := signIn(t, srv, p.Email, p.Password)
			wantProblem(t, r, http.StatusTooManyRequests)
			ra, err := time.ParseDuration(r.Header.Get("Retry-After") + "s")
			if err != nil || ra <= 0 || ra > app.FailureWindow+time.Second {
				t.Errorf("Retry-After %q, want seconds in (0, %v]", r.Header.Get("Retry-After"), app.FailureWindow)
			}
			if len(r.Cookies()) != 0 {
				t.Errorf("throttled sign-in set a cookie")
			}
			// The limit is per address: another person from the same client still signs in.
			q := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Quinn")
			if _, r := signIn(t, srv, q.Email, q.Password); r.StatusCode != http.StatusOK {
				t.Errorf("another e-mail: status %d", r.StatusCode)
			}
		})

		t.Run("API tokens are shown once and revocable", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Toby")
			owner := srv.NewClient(t, p.Token)
			var tok struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Prefix string `json:"prefix"`
				Secret string `json:"secret"`
			}
			call(t, owner, http.StatusCreated, "POST", "/api/v1/tokens", map[string]string{"name": "ci"}).JSON(t, &tok)
			if !strings.HasPrefix(tok.Secret, "ptc_") || tok.Prefix == "" || !strings.HasPrefix(tok.Secret, tok.Prefix) || tok.Name != "ci" {
				t.Fatalf("created token %+v", tok)
			}
			list := call(t, owner, http.StatusOK, "GET", "/api/v1/tokens", nil)
			var items []map[string]json.RawMessage
			list.JSON(t, &items)
			found := false
			for _, it := range items {
				if _, ok := it["secret"]; ok {
					t.Errorf("token list carries a secret: %s", list.Body)
				}
				found = found || string(it["id"]) == `"`+tok.ID+`"`
			}
			if !found || bytes.Contains(list.Body, []byte(tok.Secret)) || bytes.Contains(list.Body, []byte(tok.Secret[len(tok.Prefix):])) {
				t.Errorf("token list: found=%v\n%s", found, list.Body)
			}
			withToken := srv.NewClient(t, tok.Secret)
			call(t, withToken, http.StatusOK, "GET", "/api/v1/me", nil)
			// Someone else cannot revoke it.
			wantProblem(t, srv.NewClient(t, f.Admin.Token).Do("DELETE", "/api/v1/tokens/"+tok.ID, nil), http.StatusNotFound)
			call(t, withToken, http.StatusOK, "GET", "/api/v1/me", nil)

			call(t, owner, http.StatusNoContent, "DELETE", "/api/v1/tokens/"+tok.ID, nil)
			wantProblem(t, withToken.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized)
			wantProblem(t, owner.Do("DELETE", "/api/v1/tokens/"+tok.ID, nil), http.StatusNotFound)
			var after []struct {
				ID        string     `json:"id"`
				RevokedAt *time.Time `json:"revoked_at"`
			}
			call(t, owner, http.StatusOK, "GET", "/api/v1/tokens", nil).JSON(t, &after)
			for _, x := range after {
				if x.ID == tok.ID && x.RevokedAt == nil {
					t.Errorf("revoked token listed without revoked_at")
				}
			}
			call(t, owner, http.StatusOK, "GET", "/api/v1/me", nil) // the other token still works
		})

		t.Run("sessions are listed and revocable", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Sid")
			_, already := currentSession(t, srv.NewClient(t, p.Token)) // accepting the invitation signed in
			c1, r1 := signIn(t, srv, p.Email, p.Password)
			c2, r2 := signIn(t, srv, p.Email, p.Password)
			if r1.StatusCode != http.StatusOK || r2.StatusCode != http.StatusOK {
				t.Fatalf("sign in: %d, %d", r1.StatusCode, r2.StatusCode)
			}
			cur1, n := currentSession(t, c1)
			cur2, _ := currentSession(t, c2)
			if n != already+2 || cur1 == "" || cur2 == "" || cur1 == cur2 {
				t.Fatalf("sessions: %d listed, current %q and %q", n, cur1, cur2)
			}
			if cur, _ := currentSession(t, srv.NewClient(t, p.Token)); cur != "" {
				t.Errorf("an API token request flags session %s as current", cur)
			}
			// Another user cannot end them.
			wantProblem(t, srv.NewClient(t, f.Admin.Token).Do("DELETE", "/api/v1/me/sessions/"+cur2, nil), http.StatusNotFound)
			call(t, c2, http.StatusOK, "GET", "/api/v1/me", nil)

			call(t, c1, http.StatusNoContent, "DELETE", "/api/v1/me/sessions/"+cur2, nil)
			wantProblem(t, c2.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized)
			if cur, n := currentSession(t, c1); cur != cur1 || n != already+1 {
				t.Errorf("after revoking: current %q, %d sessions", cur, n)
			}
		})

		t.Run("sign out ends the session", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Otto")
			c, r := signIn(t, srv, p.Email, p.Password)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("sign in: %d", r.StatusCode)
			}
			value := r.Cookies()[0].Value
			out := call(t, c, http.StatusNoContent, "DELETE", "/api/v1/session", nil)
			if len(out.Cookies()) != 1 || out.Cookies()[0].MaxAge >= 0 {
				t.Errorf("sign-out did not clear the cookie: %q", out.Header.Values("Set-Cookie"))
			}
			// The old cookie, replayed, no longer works.
			replay := srv.NewClient(t, "")
			replay.HTTP.Jar.SetCookies(r.Request.URL, []*http.Cookie{{Name: api.SessionCookie, Value: value}})
			wantProblem(t, replay.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized)
		})

		t.Run("cross-origin unsafe requests are refused", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Xena")
			c, r := signIn(t, srv, p.Email, p.Password)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("sign in: %d", r.StatusCode)
			}
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/tokens", strings.NewReader(`{"name":"stolen"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			resp, err := c.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site POST with the session cookie: status %d, want 403", resp.StatusCode)
			}
			var ts []struct{ Name string }
			call(t, c, http.StatusOK, "GET", "/api/v1/tokens", nil).JSON(t, &ts)
			for _, x := range ts {
				if x.Name == "stolen" {
					t.Errorf("the cross-site request created a token")
				}
			}
		})

		t.Run("changing the password ends the other sessions", func(t *testing.T) {
			p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Pat")
			c1, _ := signIn(t, srv, p.Email, p.Password)
			c2, _ := signIn(t, srv, p.Email, p.Password)
			wantProblem(t, c1.Do("POST", "/api/v1/me/password", map[string]string{"current_password": "this is not it", "new_password": "a brand new passphrase"}),
				http.StatusUnprocessableEntity, "current_password")
			call(t, c2, http.StatusOK, "GET", "/api/v1/me", nil)
			passwordIs(t, srv, p.Email, p.Password)

			call(t, c1, http.StatusNoContent, "POST", "/api/v1/me/password", map[string]string{"current_password": p.Password, "new_password": "a brand new passphrase"})
			call(t, c1, http.StatusOK, "GET", "/api/v1/me", nil)
			wantProblem(t, c2.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized)
			if _, n := currentSession(t, c1); n != 1 {
				t.Errorf("%d sessions left, want 1", n)
			}
			if _, r := signIn(t, srv, p.Email, p.Password); r.StatusCode != http.StatusUnauthorized {
				t.Errorf("old password: status %d", r.StatusCode)
			}
			if _, r := signIn(t, srv, p.Email, "a brand new passphrase"); r.StatusCode != http.StatusOK {
				t.Errorf("new password: status %d", r.StatusCode)
			}
		})
	})
}

var resetRE = regexp.MustCompile(`http://[^\s"<>]+/reset/(ptr_[A-Za-z0-9_-]+)`)

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, srv *testutil.Server) {
		f := testutil.MustCreateAccount(t, srv.App, "Reset Co")
		p := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Rita")
		anon := srv.NewClient(t, "")
		seen := map[string]bool{}
		nextLink := func(t *testing.T) string {
			t.Helper()
			m := srv.SMTP.WaitFor(t, func(m smtptest.Received) bool {
				l := resetRE.FindStringSubmatch(m.Text)
				return len(m.To) == 1 && m.To[0] == p.Email && l != nil && !seen[l[1]]
			}, 10*time.Second)
			l := resetRE.FindStringSubmatch(m.Text)
			seen[l[1]] = true
			if !strings.HasPrefix(l[0], srv.URL+"/reset/") {
				t.Errorf("reset link %q is not under %s", l[0], srv.URL)
			}
			return l[1]
		}

		ghost := testutil.UniqueEmail("ghost")
		unknown := anon.Do("POST", "/api/v1/password-resets", map[string]string{"email": ghost})
		known := anon.Do("POST", "/api/v1/password-resets", map[string]string{"email": p.Email})
		if unknown.StatusCode/100 != 2 || unknown.StatusCode != known.StatusCode || !bytes.Equal(unknown.Body, known.Body) {
			t.Fatalf("unknown address: %d %q; known: %d %q", unknown.StatusCode, unknown.Body, known.StatusCode, known.Body)
		}
		token := nextLink(t)
		for _, m := range srv.SMTP.Messages() {
			if strings.Contains(strings.Join(m.To, ","), ghost) {
				t.Errorf("a mail went to the unknown address: %q", m.Subject)
			}
		}

		old1, _ := signIn(t, srv, p.Email, p.Password)
		old2, _ := signIn(t, srv, p.Email, p.Password)
		reset := "/api/v1/password-resets/" + token
		wantProblem(t, anon.Do("POST", reset, map[string]string{"password": "password123"}), http.StatusUnprocessableEntity, "password")
		wantProblem(t, anon.Do("POST", reset, map[string]any{"password": "a fresh passphrase", "email": ghost}), http.StatusUnprocessableEntity, "email")
		passwordIs(t, srv, p.Email, p.Password)

		c := srv.NewClient(t, "")
		r := call(t, c, http.StatusOK, "POST", reset, map[string]string{"password": "a fresh passphrase"})
		if len(r.Cookies()) == 0 || !r.Cookies()[0].HttpOnly {
			t.Errorf("reset did not sign in with a cookie: %q", r.Header.Values("Set-Cookie"))
		}
		var me struct {
			User struct {
				Email string `json:"email"`
			} `json:"user"`
		}
		call(t, c, http.StatusOK, "GET", "/api/v1/me", nil).JSON(t, &me)
		if me.User.Email != p.Email {
			t.Errorf("signed in as %q", me.User.Email)
		}
		wantProblem(t, old1.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized)
		wantProblem(t, old2.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized)
		if _, r := signIn(t, srv, p.Email, p.Password); r.StatusCode != http.StatusUnauthorized {
			t.Errorf("old password: status %d", r.StatusCode)
		}
		if _, r := signIn(t, srv, p.Email, "a fresh passphrase"); r.StatusCode != http.StatusOK {
			t.Errorf("new password: status %d", r.StatusCode)
		}

		wantProblem(t, anon.Do("POST", reset, map[string]string{"password": "yet another passphrase"}), http.StatusGone)
		passwordIs(t, srv, p.Email, "a fresh passphrase")
		wantProblem(t, anon.Do("POST", "/api/v1/password-resets/ptr_"+strings.Repeat("x", 43), map[string]string{"password": "yet another passphrase"}), http.StatusNotFound)

		// Using the newest link retires the older ones.
		call(t, anon, http.StatusNoContent, "POST", "/api/v1/password-resets", map[string]string{"email": p.Email})
		older := nextLink(t)
		call(t, anon, http.StatusNoContent, "POST", "/api/v1/password-resets", map[string]string{"email": p.Email})
		newer := nextLink(t)
		call(t, srv.NewClient(t, ""), http.StatusOK, "POST", "/api/v1/password-resets/"+newer, map[string]string{"password": "the third passphrase"})
		wantProblem(t, anon.Do("POST", "/api/v1/password-resets/"+older, map[string]string{"password": "a fourth passphrase"}), http.StatusGone)
		passwordIs(t, srv, p.Email, "the third passphrase")
	})
}

func TestOperations(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, srv *testutil.Server) {
		c := srv.NewClient(t, "")
		// /metrics last: the request counter appears once a request has been counted.
		for _, x := range []struct{ path, want string }{{"/healthz", "ok"}, {"/readyz", "ready"}, {"/metrics", "portico_http_requests_total"}} {
			r := call(t, c, http.StatusOK, "GET", x.path, nil)
			if !strings.Contains(string(r.Body), x.want) {
				t.Errorf("%s: body lacks %q:\n%.300s", x.path, x.want, r.Body)
			}
		}
		r := call(t, c, http.StatusOK, "GET", "/api/v1/openapi.json", nil)
		var doc struct {
			OpenAPI string                     `json:"openapi"`
			Paths   map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("openapi.json is not JSON: %v", err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
		}
		for _, p := range []string{"/api/v1/me", "/api/v1/accounts/{account}/members", "/api/v1/session", "/api/v1/tokens"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("openapi.json lacks path %s", p)
			}
		}
		var members map[string]any
		if err := json.Unmarshal(doc.Paths["/api/v1/accounts/{account}/members"], &members); err != nil || members["get"] == nil || members["post"] == nil {
			t.Errorf("members path lacks get or post: %v", err)
		}
	})
}

// Package e2e drives the real Portico server through a real headless chromium: the flows a
// person goes through, as they go through them (typing, clicking, following mailed links).
// The browser is found as described in chrome_test.go; without one the tests skip, unless
// PORTICO_REQUIRE_BROWSER=1.
package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/testutil"
)

// signIn signs in through the form as a person would and returns the status of the page the
// form leads to.
func signIn(tb *tab, email, password string) int64 {
	tb.t.Helper()
	tb.Open("/signin")
	tb.Type("#email", email)
	tb.Type("#password", password)
	return tb.Click(`main form[action="/signin"] button[type="submit"]`)
}

var invitationLink = regexp.MustCompile(`https?://\S+/invitations/pti_[A-Za-z0-9_-]+`)

func TestInviteAcceptDeactivate(t *testing.T) {
	b := startBrowser(t)
	for _, dialect := range testutil.Dialects() {
		t.Run(dialect, func(t *testing.T) { testInviteAcceptDeactivate(t, b, dialect) })
	}
}

func testInviteAcceptDeactivate(t *testing.T, b *browser, dialect string) {
	srv := testutil.StartServer(t, dialect)
	f := testutil.MustCreateAccount(t, srv.App, "Northwind Studio")
	inviteeEmail := testutil.UniqueEmail("lesley")

	// The administrator signs in and opens Members from the top bar.
	admin := b.newTab(t, "admin", srv.URL)
	if st := signIn(admin, f.Admin.Email, f.Admin.Password); st != http.StatusOK {
		t.Fatalf("admin sign-in: status %d", st)
	}
	admin.WantPath("/")
	admin.Click(`header nav a[href="/account/members"]`)
	admin.WantPath("/account/members")

	// Invite as Project Lead; the invitation shows as pending.
	admin.Type("#invite-email", inviteeEmail)
	admin.Select("#invite-level", "Project Lead")
	if st := admin.Click(`form[action="/account/members/invite"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("invite: status %d\n%s", st, admin.Text("main"))
	}
	admin.WantPath("/account/members")
	row := admin.Eval(`[...document.querySelectorAll("section[aria-labelledby=inv-title] tbody tr")]
		.map(r => r.innerText).find(t => t.includes(` + jsString(inviteeEmail) + `)) || ""`)
	if !strings.Contains(row, "Project Lead") || !strings.Contains(row, "pending") {
		t.Fatalf("invitations row for %s = %q, want Project Lead and pending", inviteeEmail, row)
	}

	// The invitee follows the mailed link in a browser of their own.
	msg := srv.SMTP.WaitFor(t, func(m smtptest.Received) bool { return slices.Contains(m.To, inviteeEmail) }, 15*time.Second)
	link := invitationLink.FindString(msg.Text)
	if link == "" {
		t.Fatalf("no invitation link in the mail:\n%s", msg.Text)
	}
	member := b.newTab(t, "invitee", srv.URL)
	if st := member.OpenURL(link); st != http.StatusOK {
		t.Fatalf("open invitation: status %d", st)
	}
	if h := member.Text("main h1"); h != "Join Northwind Studio" {
		t.Errorf("invitation heading = %q", h)
	}
	member.Type("#first_name", "Lesley")
	member.Type("#last_name", "Knope")
	member.Type("#password", "a-long-and-uncommon-passphrase")
	if st := member.Click(`main form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("accept invitation: status %d\n%s", st, member.Text("main"))
	}

	// Signed in, on a dashboard with the friendly empty state and nothing else.
	member.WantPath("/")
	if h := member.Text("#empty-title"); h != "Nothing here yet" {
		t.Errorf("empty state heading = %q, want %q", h, "Nothing here yet")
	}
	if n := member.Eval(`document.querySelectorAll("main li, main table, main article, main a[href^='/projects/']").length`); n != "0" {
		t.Errorf("the empty dashboard shows %s list items, tables or project links", n)
	}
	if got := member.Eval(`[...document.querySelectorAll("main h1, main h2")].map(h => h.innerText.trim()).join("|")`); got != "Hello, Lesley|Nothing here yet" {
		t.Errorf("dashboard headings = %q, want only the greeting and the empty state", got)
	}

	// The administrator gives the new member a bill rate from the members table ...
	admin.Open("/account/members")
	rowSel := `tr[data-email="` + inviteeEmail + `"]`
	if s := admin.Text(rowSel + ` .pill`); s != "Active" {
		t.Fatalf("new member's status = %q, want Active", s)
	}
	admin.Type(rowSel+` input[name="default_bill_rate"]`, "95")
	if st := admin.Click(rowSel + ` button[form^="member-form-"]`); st != http.StatusOK {
		t.Fatalf("save rate: status %d\n%s", st, admin.Text("main"))
	}
	if v := admin.Eval(`document.querySelector(` + jsString(rowSel+` input[name="default_bill_rate"]`) + `).value`); v != "95.00" {
		t.Errorf("bill rate after saving = %q, want 95.00", v)
	}

	// ... then deactivates them, confirming the dialog.
	admin.Click(rowSel + ` form[data-confirm] button[type="submit"]`)
	if d := admin.Dialogs(); len(d) != 1 || !strings.HasPrefix(d[0], "Deactivate Lesley Knope?") {
		t.Errorf("confirm dialogs = %q, want one asking to deactivate Lesley Knope", d)
	}
	admin.WantPath("/account/members")
	if s := admin.Text(rowSel + ` .pill`); s != "Deactivated" {
		t.Fatalf("member's status after deactivation = %q, want Deactivated", s)
	}

	// The member's open session has ended ...
	member.Open("/")
	member.WantPath("/signin")

	// ... and signing in again, in a fresh browser, is refused on the sign-in page.
	again := b.newTab(t, "deactivated", srv.URL)
	if st := signIn(again, inviteeEmail, "a-long-and-uncommon-passphrase"); st != http.StatusUnprocessableEntity {
		t.Errorf("deactivated member's sign-in: status %d, want 422", st)
	}
	again.WantPath("/signin")
	if msg := again.Text(`main [role="alert"]`); !strings.Contains(strings.ToLower(msg), "wrong") {
		t.Errorf("sign-in error = %q", msg)
	}
	if again.Eval(`!!document.querySelector("header.topbar")`) != "false" {
		t.Error("the refused sign-in page shows the signed-in top bar")
	}
}

func TestSettingsTokenAndTheme(t *testing.T) {
	b := startBrowser(t)
	srv := testutil.StartServer(t, "sqlite")
	f := testutil.MustCreateAccount(t, srv.App, "Northwind Studio")
	m := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Tom")

	tb := b.newTab(t, "member", srv.URL)
	signIn(tb, m.Email, m.Password)
	tb.WantPath("/")
	tb.Click(`header a[href="/settings"]`)
	tb.WantPath("/settings")

	// Create a token: it is shown once.
	tb.Type("#token-name", "reporting script")
	if st := tb.Click(`form[action="/settings/tokens"] button[type="submit"]`); st != http.StatusCreated {
		t.Fatalf("create token: status %d\n%s", st, tb.Text("main"))
	}
	secret := tb.Text("#new-token")
	if !strings.HasPrefix(secret, "ptc_") {
		t.Fatalf("new token = %q", secret)
	}

	// It works against the API.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me struct {
		User struct{ Email string } `json:"user"`
	}
	err = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || me.User.Email != m.Email {
		t.Fatalf("GET /api/v1/me with the new token: status %d, user %q, err %v", resp.StatusCode, me.User.Email, err)
	}

	// Coming back to the page, the secret is gone; the token is listed.
	tb.Open("/settings")
	if html := tb.HTML(); strings.Contains(html, secret) {
		t.Error("the token's secret is still in the settings page")
	}
	if tb.Eval(`!!document.querySelector("#new-token")`) != "false" {
		t.Error("#new-token is still shown")
	}
	if row := tb.Text(`section[aria-labelledby="tokens-title"] tbody tr`); !strings.Contains(row, "reporting script") {
		t.Errorf("token list row = %q", row)
	}

	// Dark theme, saved.
	tb.Select("#theme", "Dark")
	if st := tb.Click(`form[action="/settings/profile"] button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("save profile: status %d", st)
	}
	tb.WantPath("/settings")
	if th := tb.Eval(`document.documentElement.dataset.theme`); th != "dark" {
		t.Errorf(`<html data-theme=%q>, want "dark"`, th)
	}
	tb.Open("/")
	if th := tb.Eval(`document.documentElement.dataset.theme`); th != "dark" {
		t.Errorf(`dashboard <html data-theme=%q>, want "dark"`, th)
	}
	// The server rendered it (not only the live preview script).
	if !strings.Contains(tb.HTML(), `data-theme="dark"`) {
		t.Error(`the page markup lacks data-theme="dark"`)
	}
}

// unlabelled lists the form controls of the page that have no label: no <label for=id> with
// text, no aria-label, no aria-labelledby. Hidden inputs are left out.
const unlabelled = `[...document.querySelectorAll("input, select, textarea")]
	.filter(el => el.type !== "hidden")
	.filter(el => {
		if ((el.getAttribute("aria-label") || "").trim()) return false;
		const by = (el.getAttribute("aria-labelledby") || "").trim();
		if (by && by.split(/\s+/).every(id => document.getElementById(id))) return false;
		if (!el.id) return true;
		const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
		return !l || !l.textContent.trim();
	})
	.map(el => el.outerHTML.slice(0, 120))`

func TestKeyboardAndLabels(t *testing.T) {
	b := startBrowser(t)
	srv := testutil.StartServer(t, "sqlite")
	f := testutil.MustCreateAccount(t, srv.App, "Northwind Studio")
	testutil.MustCreateMember(t, srv.App, f, domain.LevelProjectLead, "Michael")
	testutil.MustCreateMember(t, srv.App, f, domain.LevelPunchClock, "Punch")
	tb := b.newTab(t, "admin", srv.URL)

	checkLabels := func(page string) {
		t.Helper()
		if bad := evalInto[[]string](tb, unlabelled); len(bad) > 0 {
			t.Errorf("%s: %d controls without a label:\n  %s", page, len(bad), strings.Join(bad, "\n  "))
		}
	}

	// Sign-in, keyboard only: the e-mail field has focus, Tab goes to the password, Enter submits.
	tb.Open("/signin")
	checkLabels("/signin")
	if id := tb.Eval(`document.activeElement.id`); id != "email" {
		t.Errorf("focus on the sign-in page is on %q, want the e-mail field", id)
	}
	tb.Key(f.Admin.Email)
	tb.Key("\t")
	if id := tb.Eval(`document.activeElement.id`); id != "password" {
		t.Fatalf("Tab from the e-mail field went to %q, want the password", id)
	}
	tb.Key("not-the-password")
	if st := tb.KeyAndWait("\r"); st != http.StatusUnprocessableEntity {
		t.Fatalf("wrong password: status %d, want 422", st)
	}
	// Refused: the e-mail is kept and the focus waits in the password field.
	if id := tb.Eval(`document.activeElement.id`); id != "password" {
		t.Errorf("after a refused sign-in the focus is on %q, want the password", id)
	}
	tb.Key(f.Admin.Password)
	tb.KeyAndWait("\r")
	tb.WantPath("/")

	for _, p := range []string{"/settings", "/account/members"} {
		tb.Open(p)
		checkLabels(p)
		// The first Tab reaches the skip link, and it leads to the content.
		tb.Key("\t")
		if got := tb.Eval(`document.activeElement.getAttribute("href")`); got != "#main" {
			t.Errorf("%s: first Tab focuses %q, want the skip link", p, got)
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestPageScreenshots renders the main pages, light and dark, at laptop and phone widths (each
// must answer without a server error) and saves a full-page PNG of each for people to look
// at: into PORTICO_SCREENS_DIR when set, else into the test's temporary directory.
func TestPageScreenshots(t *testing.T) {
	dir := os.Getenv("PORTICO_SCREENS_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := startBrowser(t)
	srv := testutil.StartServer(t, "sqlite")
	f := testutil.MustCreateAccount(t, srv.App, "Northwind Studio")
	testutil.MustCreateMember(t, srv.App, f, domain.LevelProjectLead, "Michael")
	testutil.MustCreateMember(t, srv.App, f, domain.LevelPunchClock, "Punch")
	testutil.MustCreateMember(t, srv.App, f, domain.LevelReportViewerCost, "Rita")
	act := testutil.MustActor(t, srv.App, f.Admin.User.ID, f.Account.ID)
	_, link, err := srv.App.Invite(t.Context(), act, "new.person@test.example", "collaborator")
	if err != nil {
		t.Fatal(err)
	}

	tb := b.newTab(t, "admin", srv.URL)
	shot := func(name string) { tb.Screenshot(filepath.Join(dir, name+".png")) }
	tb.Open("/signin")
	shot("signin")
	tb.Type("#email", f.Admin.Email)
	tb.Type("#password", "wrong-password-here")
	tb.Click(`main form button[type="submit"]`)
	shot("signin-error")
	signIn(tb, f.Admin.Email, f.Admin.Password)
	for _, theme := range []string{"light", "dark"} {
		tb.Open("/settings")
		tb.Select("#theme", strings.ToUpper(theme[:1])+theme[1:])
		tb.Click(`form[action="/settings/profile"] button[type="submit"]`)
		for _, p := range []struct{ name, path string }{{"dashboard", "/"}, {"members", "/account/members"}, {"settings", "/settings"}} {
			tb.Open(p.path)
			shot(p.name + "-" + theme)
		}
		tb.Type("#token-name", "ci "+theme)
		tb.Click(`form[action="/settings/tokens"] button[type="submit"]`)
		shot("settings-token-" + theme)
	}
	tb.Viewport(390, 844)
	for _, p := range []struct{ name, path string }{{"dashboard", "/"}, {"members", "/account/members"}, {"settings", "/settings"}} {
		tb.Open(p.path)
		shot(p.name + "-phone-dark")
	}

	guest := b.newTab(t, "guest", srv.URL)
	guest.OpenURL(link)
	guest.Screenshot(filepath.Join(dir, "invitation.png"))
	if st := guest.Open("/invitations/pti_unknown"); st != http.StatusNotFound {
		t.Errorf("unknown invitation: status %d, want 404", st)
	}
	guest.Screenshot(filepath.Join(dir, "error-404.png"))
}

// TestPhoneWidth checks that the main pages fit a phone: wide tables scroll inside their
// card, and the page itself never grows wider than the screen (a mobile browser would zoom
// the whole page out, or scroll it sideways).
func TestPhoneWidth(t *testing.T) {
	const phone = 390
	b := startBrowser(t)
	srv := testutil.StartServer(t, "sqlite")
	f := testutil.MustCreateAccount(t, srv.App, "Northwind Studio")
	testutil.MustCreateMember(t, srv.App, f, domain.LevelProjectLead, "Michael")
	tb := b.newTab(t, "admin", srv.URL)
	signIn(tb, f.Admin.Email, f.Admin.Password)
	tb.Viewport(phone, 844, chromedp.EmulateMobile)
	for _, p := range []string{"/", "/account/members", "/settings", "/account/outbox"} {
		tb.Open(p)
		w, err := strconv.Atoi(tb.Eval(`document.documentElement.scrollWidth`))
		if err != nil || w > phone {
			wide := evalInto[[]string](tb, widest)
			t.Errorf("%s on a %dpx phone: the page is %dpx wide (%v); widest elements:\n  %s", p, phone, w, err, strings.Join(wide, "\n  "))
		}
	}
}

// widest lists the elements that reach furthest right, for a failure message. Elements that
// a scrolling box keeps inside it are left out, unless they are positioned (and so escape it).
const widest = `[...document.querySelectorAll("body *")]
	.filter(el => {
		if (getComputedStyle(el).position === "absolute" || getComputedStyle(el).position === "fixed") return true;
		for (let a = el.parentElement; a && a !== document.body; a = a.parentElement)
			if (getComputedStyle(a).overflowX !== "visible") return false;
		return true;
	})
	.map(el => [el.getBoundingClientRect().right, el])
	.filter(([r]) => r > document.documentElement.clientWidth)
	.sort((a, b) => b[0] - a[0]).slice(0, 5)
	.map(([r, el]) => Math.round(r) + "px " + el.outerHTML.slice(0, 100))`

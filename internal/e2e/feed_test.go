package e2e

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/mail/inbound"
	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// feedWorld is one financial project of Northwind Studio (the provider) for Harbor (the client):
//   - Ada, Northwind's administrator, who created the project (so its Project Administrator);
//   - Pat, a Northwind Project Lead on the provider side;
//   - Michael, a member of Harbor's own account, on the client side at Edit Tasks with Post.
type feedWorld struct {
	srv     *testutil.Server
	ada     testutil.Person
	pat     testutil.Person
	client  testutil.Person
	project *domain.Project
}

func newFeedWorld(t *testing.T, srv *testutil.Server) *feedWorld {
	t.Helper()
	ctx := t.Context()
	northwind := testutil.MustCreateAccount(t, srv.App, "Northwind Studio")
	harbor := testutil.MustCreateAccount(t, srv.App, "Harbor Outfitters")
	w := &feedWorld{srv: srv, ada: northwind.Admin,
		pat:    testutil.MustCreateMember(t, srv.App, northwind, domain.LevelProjectLead, "Pat"),
		client: testutil.MustCreateMember(t, srv.App, harbor, domain.LevelCollaborator, "Michael")}
	proj, err := srv.App.CreateProject(ctx, testutil.MustActor(t, srv.App, w.ada.User.ID, northwind.Account.ID), app.ProjectInput{
		Name: "Harbor Website", ClientCompany: "Harbor Outfitters", Financial: true})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	w.project = proj
	for _, p := range []struct {
		who   testutil.Person
		side  domain.Side
		level domain.ProjectLevel
	}{{w.pat, domain.SideProvider, domain.PLEditFinancials}, {w.client, domain.SideClient, domain.PLEditTasks}} {
		if err := srv.Store.AddParticipant(ctx, &domain.Participant{ProjectID: proj.ID, AccountID: northwind.Account.ID, UserID: p.who.User.ID,
			Email: p.who.Email, Side: p.side, Level: p.level, Access: []domain.Access{domain.AccessPost}}, store.AuditActor{}); err != nil {
			t.Fatalf("add %s: %v", p.who.Email, err)
		}
	}
	return w
}

func (w *feedWorld) path(rest string) string { return "/projects/" + w.project.ID + rest }

// post writes a post through the API as the person with the token and returns its thread id.
func (w *feedWorld) post(t *testing.T, srv *testutil.Server, token string, body map[string]any) string {
	t.Helper()
	var th struct {
		Post struct {
			ID string `json:"id"`
		} `json:"post"`
	}
	srv.NewClient(t, token).Must(http.StatusCreated, "POST", "/api/v1/projects/"+w.project.ID+"/posts", body).JSON(t, &th)
	return th.Post.ID
}

// feedInstrument makes every page the tab opens count the live-update stream's openings, its
// "post" messages and the re-renderings of #feed they lead to, from before htmx starts
// (window.__feedSSE).
func feedInstrument(tb *tab) {
	tb.t.Helper()
	const script = `window.__feedSSE = {open: 0, messages: 0, swaps: 0};
		document.addEventListener("htmx:sseOpen", () => window.__feedSSE.open++);
		document.addEventListener("htmx:sseMessage", () => window.__feedSSE.messages++);
		document.addEventListener("htmx:afterSettle", e => { if (e.detail.target && e.detail.target.id === "feed") window.__feedSSE.swaps++; });`
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script}); err != nil {
		tb.fail("instrument the live-update stream", err)
	}
}

// feedWaitFor waits until the JavaScript predicate is true, for at most timeout, and fails the
// test with what with the predicate still false.
func feedWaitFor(tb *tab, what, predicate string, timeout time.Duration) {
	tb.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(tb.ctx, time.Until(deadline)+5*time.Second)
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](predicate, chromedp.WithPollingInterval(25*time.Millisecond),
			chromedp.WithPollingTimeout(max(time.Until(deadline), time.Millisecond))))
		cancel()
		switch {
		case err == nil:
			return
		case errors.Is(err, chromedp.ErrPollingTimeout):
			tb.t.Fatalf("%s: %s: not within %s", tb.name, what, timeout)
		case (strings.Contains(err.Error(), "Cannot find context with specified id") || strings.Contains(err.Error(), "Execution context was destroyed")) &&
			time.Now().Before(deadline):
			// The page's JavaScript context was replaced under the poll (a document still
			// settling after a navigation): poll again in the new one.
			time.Sleep(10 * time.Millisecond)
		default:
			tb.fail(what, err)
		}
	}
}

// feedWaitLive waits until the open page's live-update stream is connected.
func feedWaitLive(tb *tab) {
	tb.t.Helper()
	feedWaitFor(tb, "live-update stream open", `window.__feedSSE && window.__feedSSE.open > 0`, 10*time.Second)
}

// feedClick clicks an element that does not lead to another page (a radio, a checkbox).
func feedClick(tb *tab, sel string) {
	tb.t.Helper()
	if _, err := run(tb, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		tb.fail("click "+sel, err)
	}
}

// feedUpload sets the files of a file input, as choosing them in the file picker does.
func feedUpload(tb *tab, sel string, paths ...string) {
	tb.t.Helper()
	if _, err := run(tb, chromedp.SetUploadFiles(chromedp.CSS(sel), paths, chromedp.NodeReady)); err != nil {
		tb.fail("upload into "+sel, err)
	}
}

// feedFetch fetches a URL from inside the page (with the tab's cookies) and returns the status
// and the start of the body.
func feedFetch(tb *tab, path string) (int, string) {
	tb.t.Helper()
	type result struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	r, err := run(tb, chromedp.Evaluate[result](`fetch(`+jsString(path)+`, {redirect: "manual"}).then(async r => ({status: r.status, body: (await r.text()).slice(0, 2000)}))`, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.fail("fetch "+path, err)
	}
	return r.Status, r.Body
}

// feedThreadWith returns the id of the thread on the page whose first post reads body, or "".
func feedThreadWith(tb *tab, body string) string {
	tb.t.Helper()
	return tb.Eval(`([...document.querySelectorAll("article.thread")].find(a => a.querySelector(":scope > .post-body").innerText.trim() === ` +
		jsString(body) + `) || {dataset: {}}).dataset.thread || ""`)
}

// feedBell returns the number on the bell ("" when there is no badge).
func feedBell(tb *tab) string {
	tb.t.Helper()
	return tb.Eval(`(document.querySelector("#bell .badge") || {innerText: ""}).innerText.trim()`)
}

// feedNotInPage fails the test for each of the texts found in the page's markup.
func feedNotInPage(t *testing.T, tb *tab, where string, texts ...string) {
	t.Helper()
	html := tb.HTML()
	for _, s := range texts {
		if strings.Contains(html, s) {
			t.Errorf("%s: %s shows %q", tb.name, where, s)
		}
	}
}

// feedTempFile writes a file to upload and returns its path.
func feedTempFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// feedReply writes a reply in a thread through its reply form, internal or not, and returns
// the status of the page it leads to.
func feedReply(tb *tab, threadID, body string, internal bool) int64 {
	tb.t.Helper()
	art := `article.thread[data-thread="` + threadID + `"] `
	tb.Type(art+`form.reply-form textarea[name="body"]`, body)
	if internal {
		feedClick(tb, art+`form.reply-form input[name="internal"]`)
	}
	return tb.Click(art + `form.reply-form button[type="submit"]`)
}

// TestPrivatePostAndFileHiddenFromClient is the browser test: a private post to the
// provider team, with a file, reaches no page of the client — feed, Files tab, dashboard,
// notifications, the bell; added to the thread later, the client sees all of it but the
// internal replies.
func TestPrivatePostAndFileHiddenFromClient(t *testing.T) {
	b := startBrowser(t)
	for _, dialect := range testutil.Dialects() {
		t.Run(dialect, func(t *testing.T) { testPrivatePostAndFileHiddenFromClient(t, b, dialect) })
	}
}

func testPrivatePostAndFileHiddenFromClient(t *testing.T, b *browser, dialect string) {
	w := newFeedWorld(t, testutil.StartServer(t, dialect))
	const (
		privateText    = "Margin on Harbor is thin, cost sheet attached (provider eyes only)"
		privateFile    = "costs-q3.txt"
		privateContent = "internal cost sheet: day rate 1450"
		publicText     = "Kick-off on Monday at 10:00, agenda attached"
		publicFile     = "agenda.txt"
		replyText      = "Agreed, we keep a ten percent buffer"
		internalBefore = "Do not quote our day rate to Harbor"
		internalAfter  = "Harbor is on this thread now, keep rates out of it"
		internalLabel  = "Internal — provider team only"
		uploadFile     = "rates-2027.txt"
		uploadNote     = "Rate card draft for phase two"
	)

	// Ada posts privately to the provider team (Pat), with a cost sheet attached.
	prov := b.newTab(t, "provider", w.srv.URL)
	if st := signIn(prov, w.ada.Email, w.ada.Password); st != http.StatusOK {
		t.Fatalf("provider sign-in: status %d", st)
	}
	prov.Open(w.path("/tab/activity"))
	prov.Type("#post-body", privateText)
	feedClick(prov, `#composer input[name="privacy"][value="private"]`)
	feedClick(prov, `#composer input[name="recipients"][value="`+w.pat.User.ID+`"]`)
	feedUpload(prov, "#post-files", feedTempFile(t, privateFile, privateContent))
	if st := prov.Click("#post-submit"); st != http.StatusOK {
		t.Fatalf("private post: status %d\n%s", st, prov.Text("main"))
	}
	prov.WantPath(w.path("/tab/activity"))
	thread := feedThreadWith(prov, privateText)
	if thread == "" {
		t.Fatalf("the private post is not in the provider's feed:\n%s", prov.Text("#feed"))
	}
	art := `article.thread[data-thread="` + thread + `"]`
	if l := prov.Text(art + " .private-label"); !strings.Contains(l, "Pat Tester") || strings.Contains(l, "Michael") {
		t.Errorf("private label = %q, want Pat and not Michael", l)
	}
	fileHref := prov.Eval(`(document.querySelector(` + jsString(art+` .file-list a[target="_blank"]`) + `) || {}).getAttribute?.("href") || ""`)
	if !strings.HasPrefix(fileHref, w.path("/files/")) || prov.Text(art+` .file-list a[target="_blank"]`) != privateFile {
		t.Fatalf("the private post's attachment link = %q (%q)", fileHref, prov.Text(art+" .file-list"))
	}
	if st, body := feedFetch(prov, fileHref); st != http.StatusOK || body != privateContent {
		t.Fatalf("provider fetches the attachment: status %d, %q", st, body)
	}

	// A public post with an agenda: what the client should see, so that the checks below do not
	// pass merely because the client's pages are empty.
	prov.Type("#post-body", publicText)
	feedClick(prov, `#composer input[name="privacy"][value="public"]`)
	feedUpload(prov, "#post-files", feedTempFile(t, publicFile, "1. Goals\n2. Timeline\n"))
	if st := prov.Click("#post-submit"); st != http.StatusOK {
		t.Fatalf("public post: status %d\n%s", st, prov.Text("main"))
	}
	if feedThreadWith(prov, publicText) == "" {
		t.Fatalf("the public post is not in the provider's feed:\n%s", prov.Text("#feed"))
	}

	// In the private thread: a reply, and an internal reply.
	prov.Open(w.path("/threads/" + thread))
	if st := feedReply(prov, thread, replyText, false); st != http.StatusOK {
		t.Fatalf("reply: status %d\n%s", st, prov.Text("main"))
	}
	if st := feedReply(prov, thread, internalBefore, true); st != http.StatusOK {
		t.Fatalf("internal reply: status %d\n%s", st, prov.Text("main"))
	}
	prov.WantPath(w.path("/threads/" + thread))
	// From the Files tab: a rate card, uploaded privately to the provider team.
	prov.Open(w.path("/tab/files"))
	feedUpload(prov, "#upload-file", feedTempFile(t, uploadFile, "phase two: 1450/day"))
	prov.Type("#upload-note", uploadNote)
	feedClick(prov, `#upload-form input[name="privacy"][value="private"]`)
	feedClick(prov, `#upload-form input[name="recipients"][value="`+w.pat.User.ID+`"]`)
	if st := prov.Click(`#upload-form button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("upload: status %d\n%s", st, prov.Text("main"))
	}
	prov.WantPath(w.path("/tab/files"))
	if files := evalInto[[]string](prov, `[...document.querySelectorAll("#files-table tbody tr td:first-child")].map(td => td.innerText.trim())`); len(files) != 3 || !slices.Contains(files, uploadFile) {
		t.Fatalf("provider's Files tab = %q, want the three files", files)
	}
	w.srv.WaitForJobs(t, 15*time.Second) // notifications fanned out and mailed: the negative checks mean something

	// The client, signed in in a browser of their own, finds the private post nowhere.
	cli := b.newTab(t, "client", w.srv.URL)
	if st := signIn(cli, w.client.Email, w.client.Password); st != http.StatusOK {
		t.Fatalf("client sign-in: status %d", st)
	}
	secrets := []string{privateText, privateFile, thread, fileHref, replyText, internalBefore, internalLabel, uploadFile, uploadNote}
	feedNotMailed(t, w.srv, w.client.Email, secrets...)
	cli.WantPath("/")
	if a := cli.Text(".activity-list"); !strings.Contains(a, "Harbor Website") || !strings.Contains(a, "Kick-off on Monday") {
		t.Errorf("client dashboard activity = %q, want the public post", a)
	}
	feedNotInPage(t, cli, "the dashboard", secrets...)
	if n := feedBell(cli); n != "1" {
		t.Errorf("client's bell = %q, want 1 (the public post only)", n)
	}
	if l := cli.Eval(`document.querySelector("#bell").getAttribute("aria-label")`); l != "Notifications, 1 unread" {
		t.Errorf("client's bell label = %q", l)
	}

	cli.Click("#bell")
	cli.WantPath("/notifications")
	if items := evalInto[[]string](cli, `[...document.querySelectorAll("#notification-list > li")].map(li => li.dataset.kind + ": " + li.innerText)`); len(items) != 1 ||
		!strings.HasPrefix(items[0], "post: ") || !strings.Contains(items[0], "Kick-off on Monday") {
		t.Errorf("client's notifications = %q, want the public post only", items)
	}
	feedNotInPage(t, cli, "the notifications page", secrets...)

	cli.Open(w.path("/tab/activity"))
	if threads := evalInto[[]string](cli, `[...document.querySelectorAll("#feed article.thread > .post-body")].map(p => p.innerText.trim())`); !slices.Equal(threads, []string{publicText}) {
		t.Errorf("client's feed = %q, want only the public post", threads)
	}
	if n := cli.Eval(`document.querySelectorAll("#feed .private-label").length`); n != "0" {
		t.Errorf("client's feed shows %s private labels", n)
	}
	// The composer offers the client no way to pick people who cannot see the post either way,
	// but the provider team is listed (a client may write to them).
	feedNotInPage(t, cli, "the Activity tab", secrets...)

	cli.Open(w.path("/tab/files"))
	if files := evalInto[[]string](cli, `[...document.querySelectorAll("#files-table tbody tr td:first-child")].map(td => td.innerText.trim())`); !slices.Equal(files, []string{publicFile}) {
		t.Errorf("client's Files tab = %q, want only %s", files, publicFile)
	}
	feedNotInPage(t, cli, "the Files tab", secrets...)

	// Nor by address: the thread, the file (preview and download) answer 404.
	for _, p := range []string{w.path("/threads/" + thread), fileHref, fileHref + "?download=1"} {
		if st, body := feedFetch(cli, p); st != http.StatusNotFound || strings.Contains(body, "day rate") {
			t.Errorf("client GET %s: status %d, want 404", p, st)
		}
	}

	// Ada adds Michael to the thread; the dialog warns that he will see all of it.
	prov.Open(w.path("/threads/" + thread))
	prov.Select(art+` form.add-people select[name="user_ids"]`, "Michael Tester")
	if st := prov.Click(art + ` form.add-people button[type="submit"]`); st != http.StatusOK {
		t.Fatalf("add people: status %d\n%s", st, prov.Text("main"))
	}
	if d := prov.Dialogs(); len(d) != 1 || !strings.Contains(d[0], "whole thread") {
		t.Errorf("confirm dialogs = %q, want one saying they will see the whole thread", d)
	}
	prov.WantPath(w.path("/threads/" + thread))
	if f := prov.Text(".flash"); !strings.Contains(f, "whole thread") {
		t.Errorf("flash after adding = %q", f)
	}
	if l := prov.Text(art + " .private-label"); !strings.Contains(l, "Michael Tester") {
		t.Errorf("private label after adding = %q, want Michael in it", l)
	}
	// ... and writes an internal reply, now that the client is on the thread.
	if st := feedReply(prov, thread, internalAfter, true); st != http.StatusOK {
		t.Fatalf("internal reply after adding: status %d\n%s", st, prov.Text("main"))
	}
	bands := evalInto[[]string](prov, `[...document.querySelectorAll(`+jsString(art+` .reply.internal-band`)+`)]
		.map(r => (r.querySelector(".internal-label") || {}).textContent + " | " + r.querySelector(".post-body").textContent.trim())`)
	if !slices.Equal(bands, []string{internalLabel + " | " + internalBefore, internalLabel + " | " + internalAfter}) {
		t.Errorf("provider's internal replies = %q, want both, each in the band %q", bands, internalLabel)
	}
	w.srv.WaitForJobs(t, 15*time.Second)

	// The client now sees the whole thread — the post, its file, the earlier reply — and never
	// an internal reply.
	internals := []string{internalBefore, internalAfter, internalLabel, "internal-band"}
	if st := cli.Open(w.path("/threads/" + thread)); st != http.StatusOK {
		t.Fatalf("client opens the thread: status %d", st)
	}
	if body := cli.Text(art + " > .post-body"); body != privateText {
		t.Errorf("client's thread post = %q", body)
	}
	if l := cli.Text(art + " .private-label"); !strings.Contains(l, "Michael Tester") || !strings.Contains(l, "Pat Tester") {
		t.Errorf("client's private label = %q, want the recipients", l)
	}
	if replies := evalInto[[]string](cli, `[...document.querySelectorAll(`+jsString(art+` .reply .post-body`)+`)].map(p => p.innerText.trim())`); !slices.Equal(replies, []string{replyText}) {
		t.Errorf("client's replies = %q, want only %q", replies, replyText)
	}
	if f := cli.Text(art + ` .file-list a[target="_blank"]`); f != privateFile {
		t.Errorf("client's attachment = %q, want %s", f, privateFile)
	}
	if st, body := feedFetch(cli, fileHref); st != http.StatusOK || body != privateContent {
		t.Errorf("client fetches the attachment: status %d, %q", st, body)
	}
	if n := cli.Eval(`document.querySelectorAll('input[name="internal"]').length`); n != "0" {
		t.Errorf("the client's reply form offers an internal toggle")
	}
	feedNotInPage(t, cli, "the thread", internals...)

	cli.Open(w.path("/tab/activity"))
	if threads := evalInto[[]string](cli, `[...document.querySelectorAll("#feed article.thread > .post-body")].map(p => p.innerText.trim())`); !slices.Contains(threads, privateText) || len(threads) != 2 {
		t.Errorf("client's feed = %q, want the private thread and the public post", threads)
	}
	feedNotInPage(t, cli, "the Activity tab", internals...)

	cli.Open(w.path("/tab/files"))
	if files := evalInto[[]string](cli, `[...document.querySelectorAll("#files-table tbody tr td:first-child")].map(td => td.innerText.trim())`); len(files) != 2 || !slices.Contains(files, privateFile) {
		t.Errorf("client's Files tab = %q, want both files", files)
	}

	cli.Open("/notifications")
	kinds := evalInto[[]string](cli, `[...document.querySelectorAll("#notification-list > li")].map(li => li.dataset.kind)`)
	slices.Sort(kinds)
	if !slices.Equal(kinds, []string{"post", "recipient"}) {
		t.Errorf("client's notifications are of kinds %q, want the public post and being added", kinds)
	}
	if n := feedBell(cli); n != "2" {
		t.Errorf("client's bell = %q, want 2", n)
	}
	feedNotInPage(t, cli, "the notifications page", internals...)

	cli.Open("/")
	feedNotInPage(t, cli, "the dashboard", internals...)
	feedNotMailed(t, w.srv, w.client.Email, append(internals, uploadFile, uploadNote)...)
}

// feedNotMailed fails the test for each of the texts found in an e-mail sent to the address.
func feedNotMailed(t *testing.T, srv *testutil.Server, to string, texts ...string) {
	t.Helper()
	n := 0
	for _, m := range srv.SMTP.Messages() {
		if !slices.Contains(m.To, to) {
			continue
		}
		n++
		for _, s := range texts {
			if strings.Contains(m.Subject+m.Text+m.HTML, s) {
				t.Errorf("the e-mail %q to %s shows %q", m.Subject, to, s)
			}
		}
	}
	if n == 0 {
		t.Errorf("no e-mail at all to %s: the check means nothing", to)
	}
}

// TestLiveUpdate: an open Activity tab shows a new post within two seconds, without a reload,
// without touching what is being typed (in the composer or in a reply) or where the focus is; a
// private post or an internal reply that the viewer may not see never reaches their page, not
// even as an event on the stream; a private thread the client is added to appears; an open
// thread page is live too.
func TestLiveUpdate(t *testing.T) {
	b := startBrowser(t)
	for _, dialect := range testutil.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			w := newFeedWorld(t, testutil.StartServer(t, dialect))
			testLiveUpdate(t, b, w, w.srv, w.srv)
		})
	}
}

// testLiveUpdate opens the Activity tab of the client and of the provider on the server view,
// writes posts through the API of the server write, and checks what each page shows.
func testLiveUpdate(t *testing.T, b *browser, w *feedWorld, view, write *testutil.Server) {
	const (
		typed         = "Half-typed thought about the"
		publicText    = "Staging is up: have a look"
		secondText    = "Also: the fonts are licensed"
		internalText  = "Internal: they asked for a discount"
		internalLater = "Internal: no discount below 5 percent"
		internalLast  = "Internal: fine, 5 percent then"
		replyText     = "We can offer 5 percent on phase two"
		privateText   = "Provider only: Harbor pays late, invoice early"
		within        = 2 * time.Second
	)
	open := func(name string, who testutil.Person) *tab {
		tb := b.newTab(t, name, view.URL)
		feedInstrument(tb)
		if st := signIn(tb, who.Email, who.Password); st != http.StatusOK {
			t.Fatalf("%s sign-in: status %d", name, st)
		}
		tb.Open(w.path("/tab/activity"))
		feedWaitLive(tb)
		tb.Eval(`window.__feedMarker = "same page"`)
		return tb
	}
	cli := open("client", w.client)
	prov := open("provider", w.ada)

	// The client is in the middle of writing a post.
	cli.Type("#post-body", typed)
	if id := cli.Eval(`document.activeElement.id`); id != "post-body" {
		t.Fatalf("focus while typing is on %q, want #post-body", id)
	}
	hasPost := func(text string) string {
		return `[...document.querySelectorAll("#feed article.thread > .post-body")].some(p => p.innerText.trim() === ` + jsString(text) + `)`
	}

	start := time.Now()
	w.post(t, write, w.ada.Token, map[string]any{"body": publicText, "private": false})
	feedWaitFor(cli, "the new post on the client's open page", hasPost(publicText), within)
	t.Logf("the post reached the client's page in %s", time.Since(start).Round(time.Millisecond))
	feedWaitFor(prov, "the new post on the provider's open page", hasPost(publicText), within)
	if m := cli.Eval(`window.__feedMarker`); m != "same page" {
		t.Errorf("the client's page was reloaded")
	}
	if v := cli.Eval(`document.querySelector("#post-body").value`); v != typed {
		t.Errorf("the composer holds %q after the update, want %q", v, typed)
	}
	if id := cli.Eval(`document.activeElement.id`); id != "post-body" {
		t.Errorf("after the update the focus is on %q, want still #post-body", id)
	}
	// Typing goes on where it was.
	cli.Key(" launch")
	if v := cli.Eval(`document.querySelector("#post-body").value`); v != typed+" launch" {
		t.Errorf("the composer holds %q after typing on, want %q", v, typed+" launch")
	}

	// The client starts a reply to that post, in the feed itself; another post arrives. What
	// was typed in the reply stays, and so does the focus.
	thread := feedThreadWith(cli, publicText)
	replyBox := `article.thread[data-thread="` + thread + `"] form.reply-form textarea[name="body"]`
	const replyTyped = "Looks good, one question about"
	cli.Type(replyBox, replyTyped)
	w.post(t, write, w.ada.Token, map[string]any{"body": secondText, "private": false})
	feedWaitFor(cli, "the second post on the client's open page", hasPost(secondText), within)
	if v := cli.Eval(`document.querySelector(` + jsString(replyBox) + `).value`); v != replyTyped {
		t.Errorf("the reply being written holds %q after the update, want %q", v, replyTyped)
	}
	if f := cli.Eval(`document.activeElement === document.querySelector(` + jsString(replyBox) + `)`); f != "true" {
		t.Errorf("after the update the focus is on %s, want still the reply being written", cli.Eval(`document.activeElement.outerHTML.slice(0, 100)`))
	}
	if v := cli.Eval(`document.querySelector("#post-body").value`); v != typed+" launch" {
		t.Errorf("the composer holds %q after the second update, want %q", v, typed+" launch")
	}
	seen := cli.Eval(`window.__feedSSE.messages`)

	// A private post to the provider team, and an internal reply to it: on the provider's page,
	// never on the client's.
	ada := write.NewClient(t, w.ada.Token)
	internalReply := func(threadID, body string) {
		t.Helper()
		ada.Must(http.StatusCreated, "POST", "/api/v1/posts/"+threadID+"/replies", map[string]any{"body": body, "internal": true})
	}
	hasReply := func(text string) string {
		return `[...document.querySelectorAll("#feed .reply .post-body")].some(p => p.innerText.trim() === ` + jsString(text) + `)`
	}
	start = time.Now()
	private := w.post(t, write, w.ada.Token, map[string]any{"body": privateText, "private": true, "recipient_ids": []string{w.pat.User.ID}})
	internalReply(private, internalText)
	feedWaitFor(prov, "the private post and its internal reply on the provider's open page", hasPost(privateText)+" && "+hasReply(internalText), within)
	time.Sleep(time.Until(start.Add(within)))
	write.WaitForJobs(t, 10*time.Second)
	if cli.Eval(hasPost(privateText)) != "false" {
		t.Errorf("the private post appeared on the client's page")
	}
	feedNotInPage(t, cli, "the open Activity tab", privateText, internalText, private)
	if n := cli.Eval(`window.__feedSSE.messages`); n != seen {
		t.Errorf("the client's stream announced %s post(s) after the private ones, want none (had %s)", n, seen)
	}

	// The client is added to the private thread: it appears on their open page, without the
	// internal reply; a later internal reply never reaches them.
	ada.Must(http.StatusOK, "POST", "/api/v1/posts/"+private+"/recipients", map[string]any{"user_ids": []string{w.client.User.ID}})
	feedWaitFor(cli, "the thread the client was added to, on their open page", hasPost(privateText), within)
	if cli.Eval(hasReply(internalText)) != "false" {
		t.Errorf("the client's page shows the internal reply")
	}
	seen = cli.Eval(`window.__feedSSE.messages`)
	start = time.Now()
	internalReply(private, internalLater)
	feedWaitFor(prov, "the later internal reply on the provider's open page", hasReply(internalLater), within)
	time.Sleep(time.Until(start.Add(within)))
	write.WaitForJobs(t, 10*time.Second)
	feedNotInPage(t, cli, "the open Activity tab", internalText, internalLater, "internal-band")
	if n := cli.Eval(`window.__feedSSE.messages`); n != seen {
		t.Errorf("the client's stream announced %s post(s) after the internal reply, want none (had %s)", n, seen)
	}
	if m := cli.Eval(`window.__feedMarker`); m != "same page" {
		t.Errorf("the client's page was reloaded")
	}
	if v := cli.Eval(`document.querySelector("#post-body").value`); v != typed+" launch" {
		t.Errorf("the composer holds %q at the end, want %q", v, typed+" launch")
	}

	// The thread's own page (where notifications lead) is live too: a reply appears, an internal
	// reply written just before it does not.
	cli.Open(w.path("/threads/" + private))
	feedWaitLive(cli)
	internalReply(private, internalLast)
	ada.Must(http.StatusCreated, "POST", "/api/v1/posts/"+private+"/replies", map[string]any{"body": replyText})
	feedWaitFor(cli, "a new reply on the client's open thread page", hasReply(replyText), within)
	write.WaitForJobs(t, 10*time.Second)
	if got := evalInto[[]string](cli, `[...document.querySelectorAll("#feed article.thread")].map(a => a.dataset.thread)`); !slices.Equal(got, []string{private}) {
		t.Errorf("the live thread page shows threads %q, want only %s", got, private)
	}
	feedNotInPage(t, cli, "the open thread page", internalText, internalLater, internalLast, "internal-band")
}

// TestLiveUpdateOlderPage: on an older page of the feed ("Load more"), a live update re-renders
// that page, not the first one in its place.
func TestLiveUpdateOlderPage(t *testing.T) {
	b := startBrowser(t)
	w := newFeedWorld(t, testutil.StartServer(t, "sqlite"))
	const first = "Older post 1"
	for i := 1; i <= 21; i++ {
		w.post(t, w.srv, w.ada.Token, map[string]any{"body": fmt.Sprintf("Older post %d", i), "private": false})
	}
	cli := b.newTab(t, "client", w.srv.URL)
	feedInstrument(cli)
	signIn(cli, w.client.Email, w.client.Password)
	cli.Open(w.path("/tab/activity"))
	cli.Click(`#feed a.btn[href*="cursor="]`) // Load more
	feedWaitLive(cli)
	threads := func() []string {
		return evalInto[[]string](cli, `[...document.querySelectorAll("#feed article.thread > .post-body")].map(p => p.innerText.trim())`)
	}
	if got := threads(); !slices.Equal(got, []string{first}) {
		t.Fatalf("the older page shows %q, want only %q", got, first)
	}
	// A reply to the oldest post: the page is re-rendered, with the reply, and still only the
	// oldest post.
	var th struct {
		Items []struct {
			Post struct {
				ID   string `json:"id"`
				Body string `json:"body"`
			} `json:"post"`
		} `json:"items"`
	}
	w.srv.NewClient(t, w.ada.Token).Must(http.StatusOK, "GET", "/api/v1/projects/"+w.project.ID+"/posts?limit=50", nil).JSON(t, &th)
	oldest := th.Items[len(th.Items)-1].Post
	if oldest.Body != first {
		t.Fatalf("the oldest thread is %q", oldest.Body)
	}
	w.srv.NewClient(t, w.ada.Token).Must(http.StatusCreated, "POST", "/api/v1/posts/"+oldest.ID+"/replies", map[string]any{"body": "A late reply"})
	w.post(t, w.srv, w.ada.Token, map[string]any{"body": "Newest post", "private": false})
	feedWaitFor(cli, "two live updates, each re-rendering the feed", `window.__feedSSE.messages >= 2 && window.__feedSSE.swaps >= 2`, 2*time.Second)
	if got := threads(); !slices.Equal(got, []string{first}) {
		t.Errorf("after live updates the older page shows %q, want only %q", got, first)
	}
	if r := cli.Text(`#feed article.thread .reply .post-body`); r != "A late reply" {
		t.Errorf("the older page's thread shows the reply %q, want the new one", r)
	}
}

// TestLiveUpdateAcrossNodes: two Portico processes share one PostgreSQL database; a page open
// on node B shows a post written through node A's API.
func TestLiveUpdateAcrossNodes(t *testing.T) {
	if !slices.Contains(testutil.Dialects(), "postgres") {
		t.Skip("live updates across nodes need PostgreSQL (set " + testutil.PostgresEnv + ")")
	}
	b := startBrowser(t)
	nodeA := testutil.StartServer(t, "postgres")
	nodeB := testutil.StartNode(t, nodeA)
	if nodeA.URL == nodeB.URL {
		t.Fatal("the two nodes listen on the same address")
	}
	w := newFeedWorld(t, nodeA)

	// Without a browser first: node B's event stream for the provider announces a post written
	// on node A.
	t.Run("stream", func(t *testing.T) {
		events := feedStream(t, nodeB.URL+"/api/v1/projects/"+w.project.ID+"/events", w.pat.Token)
		id := w.post(t, nodeA, w.ada.Token, map[string]any{"body": "Written on node A", "private": false})
		timeout := time.After(2 * time.Second)
		for {
			select {
			case e := <-events:
				if e.name == "notification" {
					continue // Pat's unread count, which the post raised
				}
				if e.name != "post" || !strings.Contains(e.data, `"id":"`+id+`"`) {
					t.Fatalf("node B's stream sent %s %s, want the post %s", e.name, e.data, id)
				}
				return
			case <-timeout:
				t.Fatal("node B's stream did not announce the post within 2s")
			}
		}
	})
	t.Run("browser", func(t *testing.T) { testLiveUpdate(t, b, w, nodeB, nodeA) })
}

type feedEvent struct{ name, data string }

// feedStream opens a Server-Sent Events stream with a token and returns its events (comments
// left out); it returns once the server has said it is connected. The stream closes when the
// test ends.
func feedStream(t *testing.T, url, token string) <-chan feedEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("GET %s: status %d, %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), ":") {
		resp.Body.Close()
		t.Fatalf("GET %s: no connected comment first (%q, %v)", url, sc.Text(), sc.Err())
	}
	out := make(chan feedEvent, 16)
	go func() {
		defer resp.Body.Close()
		var e feedEvent
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "":
				if e.name != "" || e.data != "" {
					select {
					case out <- e:
					case <-ctx.Done():
						return
					}
				}
				e = feedEvent{}
			case strings.HasPrefix(line, "event:"):
				e.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
			case strings.HasPrefix(line, "data:"):
				e.data += strings.TrimSpace(strings.TrimPrefix(line, "data:"))
			}
		}
	}()
	return out
}

var feedReplyAddress = regexp.MustCompile(`^reply\+([0-9a-f-]{36})\.([0-9a-f-]{36})\.[a-z2-7]{26}@reply\.test$`)

// TestReplyByEmail: a notification e-mail's Reply-To is a signed address; a reply sent to it
// becomes a reply in the thread, by the person it was sent to, with the thread's privacy; a
// forged or misused address is refused and stores nothing.
func TestReplyByEmail(t *testing.T) {
	for _, dialect := range testutil.Dialects() {
		t.Run(dialect, func(t *testing.T) { testReplyByEmail(t, dialect) })
	}
}

type feedThread struct {
	Post struct {
		ID      string `json:"id"`
		Private bool   `json:"private"`
	} `json:"post"`
	Replies []struct {
		ID     string `json:"id"`
		Body   string `json:"body"`
		Author struct {
			ID string `json:"id"`
		} `json:"author"`
		Private  bool `json:"private"`
		Internal bool `json:"internal"`
	} `json:"replies"`
}

func testReplyByEmail(t *testing.T, dialect string) {
	srv := testutil.StartServerWith(t, dialect, testutil.WithReplyByMail("reply.test"))
	if srv.InboundAddr() == "" {
		t.Fatal("reply by e-mail is on but there is no inbound listener")
	}
	w := newFeedWorld(t, srv)
	sender, err := mail.NewSMTPSender("smtp://" + srv.InboundAddr() + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	thread := func(token, id string) feedThread {
		t.Helper()
		var th feedThread
		srv.NewClient(t, token).Must(http.StatusOK, "GET", "/api/v1/posts/"+id, nil).JSON(t, &th)
		return th
	}
	// notified waits for the notification e-mail of a thread to a person and returns it with
	// its reply address.
	notified := func(p testutil.Person, threadID string) (smtptest.Received, string) {
		t.Helper()
		msg := srv.SMTP.WaitFor(t, func(m smtptest.Received) bool {
			return slices.Contains(m.To, p.Email) && strings.Contains(m.Text, "/threads/"+threadID)
		}, 15*time.Second)
		a, err := netmail.ParseAddress(msg.Header.Get("Reply-To"))
		if err != nil {
			t.Fatalf("notification to %s: Reply-To %q: %v", p.Email, msg.Header.Get("Reply-To"), err)
		}
		m := feedReplyAddress.FindStringSubmatch(a.Address)
		if m == nil || m[1] != threadID || m[2] != p.User.ID {
			t.Fatalf("notification to %s: Reply-To %q, want reply+%s.%s.<signature>@reply.test", p.Email, a.Address, threadID, p.User.ID)
		}
		return msg, a.Address
	}
	// answer writes a reply as a mail client does: new text, then the quoted original.
	answer := func(from testutil.Person, to string, orig smtptest.Received, text string) error {
		var quoted strings.Builder
		for l := range strings.SplitSeq(strings.TrimRight(orig.Text, "\n"), "\n") {
			quoted.WriteString("> " + l + "\n")
		}
		return sender.Send(ctx, from.Email, mail.Message{To: to, Subject: "Re: " + orig.Subject,
			Text: text + "\n\nOn Mon, 2 Mar 2026 at 10:00, Portico <portico@test.example> wrote:\n" + quoted.String()})
	}

	// A public post notifies the client by e-mail, with a signed reply address.
	public := w.post(t, srv, w.ada.Token, map[string]any{"body": "Can you confirm the launch date?", "private": false})
	msg, replyTo := notified(w.client, public)
	if !strings.Contains(msg.Text, app.ReplyMarker) || !strings.Contains(msg.Text, "Can you confirm the launch date?") {
		t.Errorf("notification text lacks the reply marker or the post:\n%s", msg.Text)
	}

	// The client answers from their mail program; the answer is a reply by them in the thread.
	const answerText = "Yes, the 14th works for us.\nThe press release goes out that morning."
	if err := answer(w.client, replyTo, msg, answerText+"\n\n-- \nMichael, Harbor Outfitters"); err != nil {
		t.Fatalf("reply by e-mail: %v", err)
	}
	th := thread(w.client.Token, public)
	if len(th.Replies) != 1 {
		t.Fatalf("the thread has %d replies after the e-mail, want 1: %+v", len(th.Replies), th)
	}
	r := th.Replies[0]
	if strings.TrimSpace(r.Body) != answerText || r.Author.ID != w.client.User.ID || r.Private || r.Internal {
		t.Errorf("the reply by e-mail = %+v, want %q by the client, public", r, answerText)
	}
	if p := thread(w.ada.Token, public); len(p.Replies) != 1 || p.Replies[0].ID != r.ID {
		t.Errorf("the provider sees replies %+v", p.Replies)
	}

	// A private thread: Pat's answer by e-mail stays private to the thread's recipients.
	private := w.post(t, srv, w.ada.Token, map[string]any{"body": "Should we raise the rate for phase two?", "private": true, "recipient_ids": []string{w.pat.User.ID}})
	pmsg, patReplyTo := notified(w.pat, private)
	if err := answer(w.pat, patReplyTo, pmsg, "Yes, by ten percent."); err != nil {
		t.Fatalf("reply by e-mail to the private thread: %v", err)
	}
	pth := thread(w.ada.Token, private)
	if len(pth.Replies) != 1 || strings.TrimSpace(pth.Replies[0].Body) != "Yes, by ten percent." || pth.Replies[0].Author.ID != w.pat.User.ID || !pth.Replies[0].Private {
		t.Fatalf("the private thread after Pat's e-mail: %+v", pth)
	}
	srv.NewClient(t, w.client.Token).Must(http.StatusNotFound, "GET", "/api/v1/posts/"+private, nil)
	srv.NewClient(t, w.client.Token).Must(http.StatusNotFound, "GET", "/api/v1/posts/"+pth.Replies[0].ID, nil)

	// Forged and misused addresses are refused, and store nothing.
	at := strings.IndexByte(replyTo, '@')
	mac := replyTo[at-26 : at]
	flipped := map[byte]byte{'a': 'b'}[mac[0]]
	if flipped == 0 {
		flipped = 'a'
	}
	secret, err := srv.Store.Secret(ctx, app.SecretReplyAddresses)
	if err != nil {
		t.Fatal(err)
	}
	for name, addr := range map[string]string{
		"altered signature":      replyTo[:at-26] + string(flipped) + mac[1:] + replyTo[at:],
		"another thread":         strings.Replace(replyTo, public, private, 1),
		"another person":         strings.Replace(replyTo, w.client.User.ID, w.pat.User.ID, 1),
		"another domain":         replyTo[:at] + "@reply.example",
		"signed, thread unseen":  inbound.ReplyAddress(secret, "reply.test", private, w.client.User.ID),
		"signed, not a thread":   inbound.ReplyAddress(secret, "reply.test", store.NewID(), w.client.User.ID),
		"signed, not in project": inbound.ReplyAddress(secret, "reply.test", public, testutil.MustCreateAccount(t, srv.App, "Elsewhere").Admin.User.ID),
	} {
		err := answer(w.client, addr, msg, "Forged: "+name)
		if err == nil {
			t.Errorf("%s (%s): accepted, want refused", name, addr)
		} else if !strings.Contains(err.Error(), "550") {
			t.Errorf("%s: refused with %v, want a permanent refusal (550)", name, err)
		}
	}
	srv.WaitForJobs(t, 10*time.Second)
	for _, id := range []string{public, private} {
		for _, r := range thread(w.ada.Token, id).Replies {
			if strings.HasPrefix(r.Body, "Forged") {
				t.Errorf("a refused e-mail was stored as a reply in %s: %q", id, r.Body)
			}
		}
	}
	if n := len(thread(w.ada.Token, public).Replies); n != 1 {
		t.Errorf("the public thread has %d replies after the refusals, want 1", n)
	}
}

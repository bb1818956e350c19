package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Environment that controls the browser tests.
const (
	// ChromiumEnv names the browser binary; without it /usr/bin/chromium, then chromium on PATH.
	ChromiumEnv = "PORTICO_CHROMIUM"
	// RequireBrowserEnv=1 turns "no browser found" from a skip into a failure (CI sets it).
	RequireBrowserEnv = "PORTICO_REQUIRE_BROWSER"
	// ScreenshotDirEnv is where a failing test leaves its screenshots (default os.TempDir()).
	ScreenshotDirEnv = "PORTICO_SCREENSHOT_DIR"
)

// stepTimeout bounds each step of a tab (a navigation, a click and the page it leads to, a
// query), so a missing element fails the test soon, with a screenshot, instead of hanging
// until go test's own timeout.
const stepTimeout = 20 * time.Second

// chromiumPath finds the browser, or returns "" and what was tried if there is none.
func chromiumPath() (path, tried string) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			return "", ChromiumEnv + "=" + p + ": " + err.Error()
		}
		return p, ""
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", ""
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, ""
	}
	return "", "no /usr/bin/chromium and no chromium on PATH; install it (apt-get install chromium) or set " + ChromiumEnv
}

// browser is one headless chromium shared by the tabs of a test.
type browser struct {
	ctx context.Context // the browser's first tab; parent of every session
}

// startBrowser starts a headless chromium for the test and stops it when the test ends. With
// no browser installed the test is skipped, unless PORTICO_REQUIRE_BROWSER=1: then it fails,
// so that CI can never pass with the browser tests silently skipped.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	path, tried := chromiumPath()
	if path == "" {
		if os.Getenv(RequireBrowserEnv) == "1" {
			t.Fatalf("browser test cannot run (%s=1): %s", RequireBrowserEnv, tried)
		}
		t.Skipf("browser test skipped: %s", tried)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.DisableGPU,
		// The browser only visits the test server on loopback; as root (CI containers)
		// chromium refuses to start with its sandbox.
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		// No network here: without these chromium keeps dialling Google's services.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		chromedp.Cancel(ctx)
		cancel()
		cancelAlloc()
	})
	start, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	// The first Do binds the browser's life to ctx, not to the timeout: start it with ctx
	// and bound the wait separately.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("start %s: %v", path, err)
		}
	case <-start.Done():
		t.Fatalf("start %s: no answer within 30s", path)
	}
	return &browser{ctx: ctx}
}

// tab is one browser tab in a browser context of its own: its own cookies, so each tab is
// a separate person. Its methods fail the test on error; call them from the test goroutine.
type tab struct {
	t    *testing.T
	name string
	base string          // the server's URL
	ctx  context.Context // the tab's; each step runs under stepTimeout from it

	mu      sync.Mutex
	dialogs []string // messages of the JavaScript dialogs accepted so far
}

// newTab opens a tab in a fresh (incognito-like) browser context. On test failure it saves a
// full-page screenshot and logs where.
func (b *browser) newTab(t *testing.T, name, baseURL string) *tab {
	t.Helper()
	// Cleanups run last first: the screenshot, then closing the tab, then waiting for the
	// dialog goroutine, which ends with the tab.
	dialogsDone := make(chan struct{})
	t.Cleanup(func() { <-dialogsDone })
	tabCtx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tabCtx); err != nil {
		close(dialogsDone)
		t.Fatalf("open tab %s: %v", name, err)
	}
	tb := &tab{t: t, name: name, base: strings.TrimSuffix(baseURL, "/"), ctx: tabCtx}
	t.Cleanup(func() {
		if t.Failed() {
			tb.failureScreenshot(tabCtx)
		}
	})
	tb.acceptDialogs(tabCtx, dialogsDone)
	return tb
}

// acceptDialogs answers every JavaScript dialog (data-confirm's window.confirm) with OK and
// records its message. A dialog blocks the click that opened it, so this runs on its own
// goroutine until the tab closes; then it closes done.
func (tb *tab) acceptDialogs(ctx context.Context, done chan<- struct{}) {
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		defer close(done)
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.dialogs = append(tb.dialogs, ev.Message)
			tb.mu.Unlock()
			if _, err := chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}); err != nil && ctx.Err() == nil {
				tb.t.Logf("%s: accept dialog: %v", tb.name, err)
			}
		}
	}()
}

// Dialogs returns the messages of the dialogs accepted so far.
func (tb *tab) Dialogs() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.dialogs...)
}

// run runs one action under stepTimeout.
func run[T any](tb *tab, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// runResponse runs steps that lead to another page, under stepTimeout, and returns its response.
func runResponse(tb *tab, steps ...chromedp.Action[chromedp.Void]) (*network.Response, error) {
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	return chromedp.RunResponse(ctx, steps...)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func (tb *tab) failureScreenshot(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	dir := os.Getenv(ScreenshotDirEnv)
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("screenshot dir: %v", err)
		return
	}
	name := unsafeName.ReplaceAllString(tb.t.Name()+"-"+tb.name, "_")
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, time.Now().UnixNano()))
	if err := tb.savePNG(ctx, path); err != nil {
		tb.t.Logf("%s: failure screenshot: %v", tb.name, err)
		return
	}
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	tb.t.Logf("%s: screenshot of %s saved to %s", tb.name, loc, path)
}

func (tb *tab) savePNG(ctx context.Context, path string) error {
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return err
	}
	return os.WriteFile(path, buf, 0o644)
}

// Screenshot saves a full-page PNG of the tab.
func (tb *tab) Screenshot(path string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := tb.savePNG(ctx, path); err != nil {
		tb.t.Fatalf("%s: screenshot: %v", tb.name, err)
	}
}

func (tb *tab) fail(what string, err error) {
	tb.t.Helper()
	tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
}

// serverError fails the test at once when a page is a 5xx, instead of letting the next step
// wait for an element that will never come.
func (tb *tab) serverError(what string, status int64) {
	tb.t.Helper()
	if status >= 500 {
		text, _ := run(tb, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		tb.t.Fatalf("%s: %s: status %d\n%s", tb.name, what, status, text)
	}
}

// Open navigates to path on the server and returns the document's HTTP status.
func (tb *tab) Open(path string) int64 {
	tb.t.Helper()
	return tb.OpenURL(tb.base + path)
}

// OpenURL navigates to an absolute URL and returns the document's HTTP status.
func (tb *tab) OpenURL(u string) int64 {
	tb.t.Helper()
	resp, err := run(tb, chromedp.NavigateResponse(u))
	if err != nil {
		tb.fail("open "+u, err)
	}
	tb.serverError("open "+u, resp.Status)
	return resp.Status
}

// Click clicks the element and waits for the page it leads to; it returns that page's status.
func (tb *tab) Click(sel string) int64 {
	tb.t.Helper()
	resp, err := runResponse(tb, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		tb.fail("click "+sel, err)
	}
	tb.serverError("click "+sel, resp.Status)
	return resp.Status
}

// Type types text into the element, as keystrokes.
func (tb *tab) Type(sel, text string) {
	tb.t.Helper()
	if _, err := run(tb, chromedp.SendKeys(chromedp.CSS(sel), text, chromedp.NodeVisible)); err != nil {
		tb.fail("type into "+sel, err)
	}
}

// Select picks the option of a <select> whose visible text is label, as a person would.
func (tb *tab) Select(sel, label string) {
	tb.t.Helper()
	ok := tb.Eval(fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		if (!s) return false;
		const o = [...s.options].find(o => o.text.trim() === %q);
		if (!o) return false;
		s.value = o.value;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return true;
	})()`, sel, label))
	if ok != "true" {
		tb.t.Fatalf("%s: no option %q in %s", tb.name, label, sel)
	}
}

// Text returns the visible text of the first element matching sel.
func (tb *tab) Text(sel string) string {
	tb.t.Helper()
	s, err := run(tb, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		tb.fail("text of "+sel, err)
	}
	return strings.TrimSpace(s)
}

// Eval evaluates a JavaScript expression and returns its value converted to a string.
func (tb *tab) Eval(expr string) string {
	tb.t.Helper()
	s, err := run(tb, chromedp.Evaluate[string](`String(`+expr+`)`))
	if err != nil {
		tb.fail("evaluate", err)
	}
	return s
}

// evalInto evaluates a JavaScript expression and decodes its JSON value into T.
func evalInto[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := run(tb, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.fail("evaluate", err)
	}
	return v
}

// HTML returns the current document's markup.
func (tb *tab) HTML() string {
	tb.t.Helper()
	return tb.Eval(`document.documentElement.outerHTML`)
}

// Path returns the path of the current page.
func (tb *tab) Path() string {
	tb.t.Helper()
	loc, err := run(tb, chromedp.Location())
	if err != nil {
		tb.fail("location", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		tb.t.Fatalf("%s: location %q: %v", tb.name, loc, err)
	}
	return u.Path
}

// WantPath fails the test unless the tab is on path.
func (tb *tab) WantPath(path string) {
	tb.t.Helper()
	if got := tb.Path(); got != path {
		tb.t.Fatalf("%s: on %s, want %s", tb.name, got, path)
	}
}

// Key sends key presses to the focused element ("\t" is Tab).
func (tb *tab) Key(keys string) {
	tb.t.Helper()
	if _, err := run(tb, chromedp.KeyEvent(keys)); err != nil {
		tb.fail("key", err)
	}
}

// KeyAndWait sends key presses that lead to another page ("\r" is Enter in a form) and waits
// for it; it returns that page's status.
func (tb *tab) KeyAndWait(keys string) int64 {
	tb.t.Helper()
	resp, err := runResponse(tb, chromedp.KeyEvent(keys))
	if err != nil {
		tb.fail("key", err)
	}
	tb.serverError("key "+keys, resp.Status)
	return resp.Status
}

// Viewport resizes the tab's page, e.g. to a phone's screen.
func (tb *tab) Viewport(width, height int64, opts ...chromedp.EmulateViewportOption) {
	tb.t.Helper()
	if _, err := run(tb, chromedp.EmulateViewport(width, height, opts...)); err != nil {
		tb.fail("viewport", err)
	}
}

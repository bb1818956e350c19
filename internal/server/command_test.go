package server_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/server"
	"github.com/portico-dev/portico/internal/testutil"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfig(t *testing.T) {
	c, err := server.ParseConfig("serve", nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.DatabaseURL != filepath.Join("portico-data", "portico.db") || c.BaseURL != "http://127.0.0.1:8080" || c.SecureCookies() {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = server.ParseConfig("serve", []string{"--addr", "0.0.0.0:9000"}, env(map[string]string{
		"PORTICO_ADDR": "127.0.0.1:7000", "PORTICO_BASE_URL": "https://portico.example.com/", "PORTICO_DATABASE_URL": "postgres://x@y/z"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.BaseURL != "https://portico.example.com" || !c.SecureCookies() || c.DatabaseURL != "postgres://x@y/z" {
		t.Fatalf("flags over environment: %+v", c)
	}
	for _, bad := range [][]string{{"--addr", "nonsense"}, {"--base-url", "ftp://x"}, {"--smtp", "http://mail"}, {"--bogus"}, {"extra"}} {
		if _, err := server.ParseConfig("serve", bad, env(nil)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	e := env(map[string]string{"PORTICO_DATA_DIR": dir})
	log := slog.New(slog.DiscardHandler)
	ctx := context.Background()
	var out bytes.Buffer
	if err := server.RunCommand(ctx, []string{"migrate"}, e, &out, log); err != nil || !strings.Contains(out.String(), "up to date") {
		t.Fatalf("migrate: %v %q", err, out.String())
	}
	out.Reset()
	err := server.RunCommand(ctx, []string{"account", "create", "--name", "Northwind", "--admin-email", "ada@example.com", "--admin-password", "a long password here"}, e, &out, log)
	if err != nil || !regexp.MustCompile(`^[0-9a-f-]{36}\n$`).MatchString(out.String()) {
		t.Fatalf("account create: %v %q", err, out.String())
	}
	err = server.RunCommand(ctx, []string{"account", "create", "--name", "", "--admin-email", "nope", "--admin-password", "short"}, e, &out, log)
	if err == nil || !strings.Contains(err.Error(), "--admin-email") || !strings.Contains(err.Error(), "--admin-password") || !strings.Contains(err.Error(), "--name") {
		t.Fatalf("invalid account create should name each flag: %v", err)
	}
	for i := 0; i < 2; i++ { // the demo seeds once and then only prints
		out.Reset()
		if err := server.RunCommand(ctx, []string{"demo"}, e, &out, log); err != nil {
			t.Fatalf("demo run %d: %v", i, err)
		}
		if !strings.Contains(out.String(), "avery@northwind.example") || !strings.Contains(out.String(), server.DemoPassword) {
			t.Fatalf("demo output lacks the logins:\n%s", out.String())
		}
	}
	if err := server.RunCommand(ctx, []string{"frobnicate"}, e, &out, log); err == nil {
		t.Fatal("an unknown command succeeded")
	}
}

// TestGracefulShutdown: cancelling the context stops the server cleanly — the listener
// closes and Run returns without error.
func TestGracefulShutdown(t *testing.T) {
	cfg, err := server.ParseConfig("serve", nil, env(map[string]string{"PORTICO_ADDR": "127.0.0.1:0", "PORTICO_DATABASE_URL": testutil.MustDSN(t, "sqlite")}))
	if err != nil {
		t.Fatal(err)
	}
	m, err := server.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	resp, err := http.Get(m.URL() + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := http.Get(m.URL() + "/healthz"); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
}

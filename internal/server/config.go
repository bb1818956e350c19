// Package server wires Portico together: configuration, store, jobs, HTTP. cmd/portico only
// calls it; end-to-end tests drive Main directly.
package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting, read once from flags and PORTICO_* environment variables (flags
// win) and validated before anything starts.
type Config struct {
	Addr            string // PORTICO_ADDR: where to listen
	DataDir         string // PORTICO_DATA_DIR: SQLite database and local files
	DatabaseURL     string // PORTICO_DATABASE_URL: a SQLite path or a postgres:// DSN
	BaseURL         string // PORTICO_BASE_URL: public URL, for links in e-mails and Secure cookies
	SMTPURL         string // PORTICO_SMTP_URL: smtp://user:pass@host:port; empty keeps mail in the outbox
	MailFrom        string // PORTICO_MAIL_FROM
	ShutdownTimeout time.Duration
}

// ParseConfig reads flags from args and falls back to getenv, then to the embedded defaults.
func ParseConfig(name string, args []string, getenv func(string) string) (Config, error) {
	env := func(k, def string) string {
		if v := getenv("PORTICO_" + k); v != "" {
			return v
		}
		return def
	}
	var c Config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "address to listen on (PORTICO_ADDR)")
	fs.StringVar(&c.DataDir, "data", env("DATA_DIR", "portico-data"), "data directory (PORTICO_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database", env("DATABASE_URL", ""), "SQLite path or postgres:// DSN (PORTICO_DATABASE_URL; default DATA/portico.db)")
	fs.StringVar(&c.BaseURL, "base-url", env("BASE_URL", ""), "public base URL (PORTICO_BASE_URL; default http://ADDR)")
	fs.StringVar(&c.SMTPURL, "smtp", env("SMTP_URL", ""), "SMTP server URL (PORTICO_SMTP_URL; empty: mail stays in the outbox)")
	fs.StringVar(&c.MailFrom, "mail-from", env("MAIL_FROM", "Portico <portico@localhost>"), "sender address (PORTICO_MAIL_FROM)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests and jobs may take at shutdown")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("%s: %w\n%s", name, err, usage(fs))
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	return c, c.complete()
}

func usage(fs *flag.FlagSet) string {
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	return b.String()
}

// complete fills derived defaults and validates.
func (c *Config) complete() error {
	if c.DatabaseURL == "" {
		c.DatabaseURL = filepath.Join(c.DataDir, "portico.db")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: addr %q: %w", c.Addr, err)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("config: base URL must be an absolute http(s) URL")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") {
			return errors.New("config: SMTP URL must look like smtp://user:pass@host:587")
		}
	}
	return nil
}

// SecureCookies reports whether cookies get the Secure flag (the public URL is https).
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

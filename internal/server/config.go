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
	"strconv"
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
	BlobURL         string // PORTICO_BLOB_URL: a directory (default DATA/files) or s3://bucket?endpoint=…
	MaxUploadMB     int    // PORTICO_MAX_UPLOAD_MB: the size limit of one file
	InboundAddr     string // PORTICO_INBOUND_ADDR: where the reply-by-e-mail SMTP listener listens ("" = off)
	ReplyDomain     string // PORTICO_REPLY_DOMAIN: the domain of reply addresses (mail for it must reach InboundAddr)
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
	fs.StringVar(&c.BlobURL, "blobs", env("BLOB_URL", ""), "file store: a directory or s3://bucket?endpoint=… (PORTICO_BLOB_URL; default DATA/files)")
	fs.IntVar(&c.MaxUploadMB, "max-upload-mb", envInt(getenv, "MAX_UPLOAD_MB", 25), "largest file accepted, in MiB (PORTICO_MAX_UPLOAD_MB)")
	fs.StringVar(&c.InboundAddr, "inbound", env("INBOUND_ADDR", ""), "address of the reply-by-e-mail SMTP listener, e.g. :2525 (PORTICO_INBOUND_ADDR; empty: off)")
	fs.StringVar(&c.ReplyDomain, "reply-domain", env("REPLY_DOMAIN", ""), "domain of reply addresses, e.g. reply.portico.example (PORTICO_REPLY_DOMAIN)")
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
	if c.BlobURL == "" {
		c.BlobURL = filepath.Join(c.DataDir, "files")
	}
	if c.MaxUploadMB <= 0 || c.MaxUploadMB > 10240 {
		return errors.New("config: max upload must be 1 to 10240 MiB")
	}
	if (c.InboundAddr == "") != (c.ReplyDomain == "") {
		return errors.New("config: reply by e-mail needs both an inbound address and a reply domain")
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

func envInt(getenv func(string) string, k string, def int) int {
	if v := getenv("PORTICO_" + k); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		return -1
	}
	return def
}

// SecureCookies reports whether cookies get the Secure flag (the public URL is https).
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

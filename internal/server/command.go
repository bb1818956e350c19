package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

const commandUsage = `usage: portico <command> [flags]

commands:
  serve [--demo]      run the server (with --demo, seed the demo first if the database is empty)
  migrate             apply database migrations and exit
  account create --name NAME --admin-email EMAIL --admin-password PASSWORD
                      create an account and its first Account Administrator
  demo                fill the database with a demo firm, client and people

common flags (or PORTICO_* environment variables):
  --addr, --data, --database, --base-url, --smtp, --mail-from`

// RunCommand runs one portico subcommand: the whole CLI, testable without a process.
func RunCommand(ctx context.Context, args []string, getenv func(string) string, out io.Writer, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New(commandUsage)
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, out, log)
	case "migrate":
		cfg, err := ParseConfig("migrate", args[1:], getenv)
		if err != nil {
			return err
		}
		s, err := store.Open(ctx, cfg.DatabaseURL, log)
		if err != nil {
			return err
		}
		fmt.Fprintln(out, "database is up to date:", s.Dialect())
		return s.Close()
	case "account":
		if len(args) < 2 || args[1] != "create" {
			return errors.New(commandUsage)
		}
		return createAccount(ctx, args[2:], getenv, out, log)
	case "demo":
		return withApp(ctx, "demo", args[1:], getenv, log, func(a *app.App, _ Config) error {
			return SeedDemo(ctx, a, out)
		})
	case "help", "-h", "--help":
		fmt.Fprintln(out, commandUsage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], commandUsage)
}

func serve(ctx context.Context, args []string, getenv func(string) string, out io.Writer, log *slog.Logger) error {
	demo := false
	rest := args[:0:0]
	for _, a := range args {
		if a == "--demo" || a == "-demo" {
			demo = true
			continue
		}
		rest = append(rest, a)
	}
	cfg, err := ParseConfig("serve", rest, getenv)
	if err != nil {
		return err
	}
	m, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	if demo {
		if err := SeedDemo(ctx, m.App, out); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Portico is listening on %s (database: %s)\n", m.URL(), m.Store.Dialect())
	if !demo {
		fmt.Fprintln(out, "Sign in with an account made by `portico account create`, or start with --demo for demo logins.")
	}
	return m.Run(ctx)
}

func createAccount(ctx context.Context, args []string, getenv func(string) string, out io.Writer, log *slog.Logger) error {
	fs := flag.NewFlagSet("account create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	name := fs.String("name", "", "account name")
	email := fs.String("admin-email", "", "first Account Administrator's e-mail")
	password := fs.String("admin-password", "", "their password")
	first := fs.String("admin-first-name", "", "their first name")
	last := fs.String("admin-last-name", "", "their last name")
	var common []string
	// Flags this subcommand does not know go on to the common configuration.
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "--name", "-name", "--admin-email", "-admin-email", "--admin-password", "-admin-password",
			"--admin-first-name", "--admin-last-name":
			if i+1 < len(args) {
				if err := fs.Parse(args[i : i+2]); err != nil {
					return err
				}
				i++
			}
		default:
			common = append(common, args[i])
		}
	}
	return withApp(ctx, "account create", common, getenv, log, func(a *app.App, _ Config) error {
		acct, _, err := a.CreateAccount(ctx, *name, *email, *password, *first, *last)
		if err != nil {
			var de *domain.Error
			if errors.As(err, &de) && len(de.Fields) > 0 {
				msg := ""
				for _, f := range de.Fields {
					msg += fmt.Sprintf("\n  --%s: %s", flagName(f.Field), f.Message)
				}
				return errors.New("invalid account:" + msg)
			}
			return err
		}
		fmt.Fprintln(out, acct.ID)
		return nil
	})
}

func flagName(field string) string {
	switch field {
	case "admin_email":
		return "admin-email"
	case "admin_password":
		return "admin-password"
	case "first_name":
		return "admin-first-name"
	case "last_name":
		return "admin-last-name"
	}
	return field
}

func withApp(ctx context.Context, name string, args []string, getenv func(string) string, log *slog.Logger, f func(*app.App, Config) error) error {
	cfg, err := ParseConfig(name, args, getenv)
	if err != nil {
		return err
	}
	s, err := store.Open(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	defer s.Close()
	return f(app.New(s, cfg.BaseURL, log), cfg)
}

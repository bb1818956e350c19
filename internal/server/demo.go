package server

import (
	"context"
	"fmt"
	"io"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// DemoPassword is the password of every demo login.
const DemoPassword = "portico-demo-2026"

type demoPerson struct {
	first, last, email string
	level              domain.AccountLevel
	billRate, costRate int64
}

// demoProvider is a provider firm with a member at every account level.
var demoProvider = []demoPerson{
	{"Avery", "Admin", "avery@northwind.example", domain.LevelAccountAdmin, 18000, 9000},
	{"Casey", "Cost", "casey@northwind.example", domain.LevelReportViewerCost, 16000, 8000},
	{"Riley", "Reports", "riley@northwind.example", domain.LevelReportViewer, 15000, 7500},
	{"Lee", "Lead", "lee@northwind.example", domain.LevelProjectLead, 14000, 7000},
	{"Parker", "Creator", "parker@northwind.example", domain.LevelProjectCreator, 12000, 6000},
	{"Morgan", "Maker", "morgan@northwind.example", domain.LevelCollaborator, 11000, 5500},
	{"Quinn", "Contractor", "quinn@freelance.example", domain.LevelCollaboratorExternal, 10000, 6500},
	{"Pat", "Punch", "pat@northwind.example", domain.LevelPunchClock, 6000, 3000},
}

// demoClient is the client company's people (they use their own account on this server).
var demoClient = []demoPerson{
	{"Michael", "Lee", "michael@acme.example", domain.LevelAccountAdmin, 0, 0},
	{"Lesley", "Knope", "lesley@acme.example", domain.LevelCollaborator, 0, 0},
	{"Tom", "Haverford", "tom@acme.example", domain.LevelCollaborator, 0, 0},
}

// SeedDemo fills an empty database with the demo and prints who can sign in. When the demo is
// already there it only prints.
func SeedDemo(ctx context.Context, a *app.App, out io.Writer) error {
	if _, _, err := a.Store.FindUserCredentials(ctx, demoProvider[0].email); err == nil {
		printDemo(out, a.BaseURL)
		return nil
	}
	if err := seedAccount(ctx, a, "Northwind Studio", demoProvider); err != nil {
		return err
	}
	if err := seedAccount(ctx, a, "Acme Corp", demoClient); err != nil {
		return err
	}
	printDemo(out, a.BaseURL)
	return nil
}

func seedAccount(ctx context.Context, a *app.App, name string, people []demoPerson) error {
	admin := people[0]
	acct, adminMember, err := a.CreateAccount(ctx, name, admin.email, DemoPassword, admin.first, admin.last)
	if err != nil {
		return fmt.Errorf("demo: %s: %w", name, err)
	}
	actor, err := a.Actor(ctx, &store.Principal{User: domain.User{ID: adminMember.UserID}}, acct.ID)
	if err != nil {
		return err
	}
	for i, p := range people {
		id := adminMember.ID
		if i > 0 {
			m, err := a.Store.AddDemoMember(ctx, acct.ID, p.email, p.first, p.last, DemoPassword)
			if err != nil {
				return fmt.Errorf("demo: %s: %w", p.email, err)
			}
			id = m.ID
		}
		if p.billRate == 0 {
			continue
		}
		lvl := string(p.level)
		bill, cost := p.billRate, p.costRate
		if _, err := a.UpdateMember(ctx, actor, id, app.MemberChange{Level: &lvl, DefaultBillRate: &bill, CostRate: &cost}); err != nil {
			return fmt.Errorf("demo: %s: %w", p.email, err)
		}
	}
	return nil
}

func printDemo(out io.Writer, baseURL string) {
	fmt.Fprintf(out, "\nDemo logins (password for all: %s)\n", DemoPassword)
	fmt.Fprintln(out, "  Northwind Studio (the provider firm):")
	for _, p := range demoProvider {
		fmt.Fprintf(out, "    %-28s %s\n", p.email, p.level.Name())
	}
	fmt.Fprintln(out, "  Acme Corp (the client company):")
	for _, p := range demoClient {
		fmt.Fprintf(out, "    %-28s %s\n", p.email, p.level.Name())
	}
	fmt.Fprintf(out, "Sign in at %s/signin\n\n", baseURL)
}

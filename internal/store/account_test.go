package store_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// groupsFor returns the sorted ids of the groups whose default levels include level.
func groupsFor(groups []domain.AccessGroup, level domain.AccountLevel) []string {
	ids := []string{}
	for _, g := range groups {
		if slices.Contains(g.DefaultLevels, level) {
			ids = append(ids, g.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

func groupNames(groups []domain.AccessGroup, ids []string) []string {
	var names []string
	for _, g := range groups {
		if slices.Contains(ids, g.ID) {
			names = append(names, g.Name)
		}
	}
	slices.Sort(names)
	return names
}

func TestCreateAccount(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		useClock(s, t0)

		t.Run("OK", func(t *testing.T) {
			email := uniqueEmail("ada")
			a, m, err := s.CreateAccount(ctx, "  Northwind  ", store.NewAdmin{Email: email, FirstName: "Ada", LastName: "Lovelace", PasswordHash: "hash-1"})
			must(t, err)
			want := &domain.Account{ID: a.ID, Name: "Northwind", Settings: domain.DefaultAccountSettings(), CreatedAt: t0}
			if diff := cmp.Diff(want, a); diff != "" {
				t.Fatalf("account (-want +got):\n%s", diff)
			}
			got, err := s.FindAccountByID(ctx, a.ID)
			must(t, err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("stored account (-want +got):\n%s", diff)
			}

			u, hash, err := s.FindUserCredentials(ctx, email)
			must(t, err)
			if hash != "hash-1" || u.ID != m.UserID || u.FirstName != "Ada" || u.LastName != "Lovelace" || u.Theme != "system" {
				t.Fatalf("admin user %+v with hash %q, member %+v", u, hash, m)
			}
			if m.AccountID != a.ID || m.Level != domain.LevelAccountAdmin || !m.Active || m.Email != email || m.DeactivatedAt != nil {
				t.Fatalf("admin membership %+v", m)
			}

			groups, err := s.FindAccessGroups(ctx, a.ID)
			must(t, err)
			var names []string
			for _, g := range groups {
				if g.AccountID != a.ID || g.ID == "" {
					t.Fatalf("group %+v", g)
				}
				names = append(names, g.Name)
			}
			if diff := cmp.Diff([]string{"All projects", "Open projects", "Project managers", "Team approvers"}, names); diff != "" {
				t.Fatalf("default access groups (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(groupsFor(groups, domain.LevelAccountAdmin), m.AccessGroups); diff != "" {
				t.Fatalf("administrator's access groups (-want +got):\n%s", diff)
			}

			ms, err := s.FindMemberships(ctx, u.ID)
			must(t, err)
			if diff := cmp.Diff([]domain.Membership{{MemberID: m.ID, AccountID: a.ID, AccountName: "Northwind", Level: domain.LevelAccountAdmin, Active: true}}, ms); diff != "" {
				t.Fatalf("memberships (-want +got):\n%s", diff)
			}
		})

		t.Run("ReusesUserByEmail", func(t *testing.T) {
			email := uniqueEmail("lee")
			_, m1, err := s.CreateAccount(ctx, "First", store.NewAdmin{Email: email, FirstName: "Lee", LastName: "One", PasswordHash: "hash-1"})
			must(t, err)
			users := rowCount(t, s, "users")
			a2, m2, err := s.CreateAccount(ctx, "Second", store.NewAdmin{Email: email, FirstName: "Other", LastName: "Name", PasswordHash: "hash-2"})
			must(t, err)
			if m2.UserID != m1.UserID || m2.AccountID != a2.ID || m2.Level != domain.LevelAccountAdmin {
				t.Fatalf("second account's admin %+v, first %+v", m2, m1)
			}
			if n := rowCount(t, s, "users"); n != users {
				t.Fatalf("users: %d, want %d", n, users)
			}
			u, hash, err := s.FindUserCredentials(ctx, email)
			must(t, err)
			if hash != "hash-1" || u.FirstName != "Lee" {
				t.Fatalf("existing user changed: %+v hash %q", u, hash)
			}
			ms, err := s.FindMemberships(ctx, u.ID)
			must(t, err)
			if len(ms) != 2 || ms[0].AccountName != "First" || ms[1].AccountName != "Second" {
				t.Fatalf("memberships %+v", ms)
			}
		})

		t.Run("NewMembersJoinTheirLevelsGroups", func(t *testing.T) {
			f := mustAccount(t, s, "Groups")
			groups, err := s.FindAccessGroups(ctx, f.Account.ID)
			must(t, err)
			for _, l := range domain.AccountLevels {
				if l == domain.LevelPunchClock {
					continue // needs a bill rate first
				}
				m := mustMember(t, s, f, l)
				if diff := cmp.Diff(groupsFor(groups, l), m.AccessGroups); diff != "" {
					t.Errorf("%s: access groups (-want +got):\n%s", l, diff)
				}
				again, err := s.FindMemberByID(ctx, f.Account.ID, m.ID)
				must(t, err)
				if diff := cmp.Diff(m, again); diff != "" {
					t.Errorf("%s: stored member (-created +found):\n%s", l, diff)
				}
			}
			rv := mustMember(t, s, f, domain.LevelReportViewer)
			if got := groupNames(groups, rv.AccessGroups); !slices.Equal(got, []string{"Project managers", "Team approvers"}) {
				t.Fatalf("Report Viewer joined %v", got)
			}
			caps, err := s.MemberCapabilities(ctx, f.Account.ID, rv.ID)
			must(t, err)
			slices.Sort(caps)
			if want := []domain.Capability{domain.CapApproveTeamTime, domain.CapManageTemplates, domain.CapViewOpenProjects}; !slices.Equal(caps, want) {
				t.Fatalf("Report Viewer capabilities %v, want %v", caps, want)
			}

			// Default levels are data: edit a group and new members follow it.
			all := groups[slices.IndexFunc(groups, func(g domain.AccessGroup) bool { return g.Name == "All projects" })]
			all.DefaultLevels = []domain.AccountLevel{domain.LevelCollaboratorExternal}
			must(t, s.UpdateAccessGroup(ctx, &all))
			ext := mustMember(t, s, f, domain.LevelCollaboratorExternal)
			if !slices.Equal(ext.AccessGroups, []string{all.ID}) {
				t.Fatalf("external collaborator joined %v, want only %q", ext.AccessGroups, all.ID)
			}
		})
	})
}

func TestUpdateAccount(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := mustAccount(t, s, "Before")
		t.Run("OK", func(t *testing.T) {
			st := domain.DefaultAccountSettings()
			st.Currency, st.BrandColor, st.ProviderSideMembersOnly, st.DefaultPostPrivacy = "USD", "#112233", true, domain.PostPrivate
			a, err := s.UpdateAccount(ctx, f.Account.ID, " After ", st)
			must(t, err)
			want := &domain.Account{ID: f.Account.ID, Name: "After", Settings: st, CreatedAt: f.Account.CreatedAt}
			if diff := cmp.Diff(want, a); diff != "" {
				t.Fatalf("updated account (-want +got):\n%s", diff)
			}
			got, err := s.FindAccountByID(ctx, f.Account.ID)
			must(t, err)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("stored account (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.UpdateAccount(ctx, store.NewID(), "X", domain.DefaultAccountSettings())
			wantCode(t, err, domain.ENOTFOUND)
			_, err = s.FindAccountByID(ctx, store.NewID())
			wantCode(t, err, domain.ENOTFOUND)
		})
	})
}

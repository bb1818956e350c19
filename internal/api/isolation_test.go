package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

type route struct {
	name, method, path string
	body               any
}

// A member of account A gets 404 for every route that names something of account B — the
// same answer, byte for byte, as for an id that does not exist — and B is left unchanged.
func TestIsolation(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, srv *testutil.Server) {
		a := testutil.MustCreateAccount(t, srv.App, "Alpha Ltd")
		b := testutil.MustCreateAccount(t, srv.App, "Bravo GmbH")
		ann := testutil.MustCreateMember(t, srv.App, a, domain.LevelCollaborator, "Ann")
		bob := testutil.MustCreateMember(t, srv.App, b, domain.LevelProjectLead, "Bob")
		aAdmin := srv.NewClient(t, a.Admin.Token)
		bAdmin := srv.NewClient(t, b.Admin.Token)
		A, B := "/api/v1/accounts/"+a.Account.ID, "/api/v1/accounts/"+b.Account.ID

		// Something of B of every kind.
		bInviteEmail := testutil.UniqueEmail("bianca")
		var bInv struct {
			ID string `json:"id"`
		}
		call(t, bAdmin, http.StatusCreated, "POST", B+"/members", map[string]string{"email": bInviteEmail, "level": "collaborator"}).JSON(t, &bInv)
		var bGroups []struct {
			ID string `json:"id"`
		}
		call(t, bAdmin, http.StatusOK, "GET", B+"/access-groups", nil).JSON(t, &bGroups)
		var bTokens []struct {
			ID string `json:"id"`
		}
		call(t, bAdmin, http.StatusOK, "GET", "/api/v1/tokens", nil).JSON(t, &bTokens)
		bSession, r := signIn(t, srv, b.Admin.Email, b.Admin.Password)
		if r.StatusCode != http.StatusOK || len(bGroups) == 0 || len(bTokens) != 1 {
			t.Fatalf("fixture: sign-in %d, %d groups, %d tokens", r.StatusCode, len(bGroups), len(bTokens))
		}
		bSessionID, _ := currentSession(t, bSession)
		bIDs := []string{b.Account.ID, bob.Member.ID, b.Admin.Member.ID, bInv.ID, bGroups[0].ID, bTokens[0].ID, bSessionID}

		group := map[string]any{"name": "Pwned", "capabilities": []string{"view_all_projects"}, "default_levels": []string{"collaborator"}}
		settings := map[string]any{"provider_side_name": "P", "client_side_name": "C", "default_post_privacy": "public",
			"external_financial_allowed": true, "provider_side_members_only": false, "currency": "EUR", "brand_color": "#000000"}
		routes := []route{
			{"get account", "GET", B, nil},
			{"update account", "PATCH", B, map[string]any{"name": "Pwned", "settings": settings}},
			{"list members", "GET", B + "/members", nil},
			{"get member", "GET", B + "/members/" + bob.Member.ID, nil},
			{"update member", "PATCH", B + "/members/" + bob.Member.ID, map[string]any{"level": "collaborator"}},
			{"deactivate member", "PATCH", B + "/members/" + b.Admin.Member.ID, map[string]any{"active": false}},
			{"invite", "POST", B + "/members", map[string]string{"email": testutil.UniqueEmail("mole"), "level": "account_admin"}},
			{"B's member under A/get", "GET", A + "/members/" + bob.Member.ID, nil},
			{"B's member under A/update", "PATCH", A + "/members/" + bob.Member.ID, map[string]any{"level": "account_admin"}},
			{"B's admin under A/deactivate", "PATCH", A + "/members/" + b.Admin.Member.ID, map[string]any{"active": false}},
			{"list invitations", "GET", B + "/invitations", nil},
			{"revoke invitation", "DELETE", B + "/invitations/" + bInv.ID, nil},
			{"B's invitation under A/revoke", "DELETE", A + "/invitations/" + bInv.ID, nil},
			{"list access groups", "GET", B + "/access-groups", nil},
			{"create access group", "POST", B + "/access-groups", group},
			{"update access group", "PUT", B + "/access-groups/" + bGroups[0].ID, group},
			{"delete access group", "DELETE", B + "/access-groups/" + bGroups[0].ID, nil},
			{"B's access group under A/update", "PUT", A + "/access-groups/" + bGroups[0].ID, group},
			{"B's access group under A/delete", "DELETE", A + "/access-groups/" + bGroups[0].ID, nil},
			{"outbox", "GET", B + "/outbox", nil},
			{"B's API token/revoke", "DELETE", "/api/v1/tokens/" + bTokens[0].ID, nil},
			{"B's session/end", "DELETE", "/api/v1/me/sessions/" + bSessionID, nil},
		}
		// The twin of each route names ids that do not exist at all.
		var pairs []string
		for _, id := range bIDs {
			pairs = append(pairs, id, store.NewID())
		}
		twin := strings.NewReplacer(pairs...)
		secrets := []string{b.Account.Name, bob.Email, b.Admin.Email, bInviteEmail}
		secrets = append(secrets, bIDs...)

		before := accountState(t, bAdmin, b.Account.ID)
		callers := []struct {
			name string
			c    *testutil.Client
		}{{"A's administrator", aAdmin}, {"A's collaborator", srv.NewClient(t, ann.Token)}}
		for _, caller := range callers {
			for _, rt := range routes {
				t.Run(caller.name+"/"+rt.name, func(t *testing.T) {
					r := caller.c.Do(rt.method, rt.path, rt.body)
					wantProblem(t, r, http.StatusNotFound)
					for _, s := range secrets {
						if bytes.Contains(r.Body, []byte(s)) {
							t.Errorf("the answer shows %q of B:\n%s", s, r.Body)
						}
					}
					missing := caller.c.Do(rt.method, twin.Replace(rt.path), rt.body)
					if missing.StatusCode != r.StatusCode || !bytes.Equal(missing.Body, r.Body) {
						t.Errorf("B's id and an unknown id answer differently:\n%d %s\n%d %s", r.StatusCode, r.Body, missing.StatusCode, missing.Body)
					}
				})
			}
		}

		t.Run("B is unchanged", func(t *testing.T) {
			if diff := cmp.Diff(before, accountState(t, bAdmin, b.Account.ID)); diff != "" {
				t.Errorf("A's requests changed B (-before +after):\n%s", diff)
			}
			call(t, bSession, http.StatusOK, "GET", "/api/v1/me", nil)
			call(t, srv.NewClient(t, bob.Token), http.StatusOK, "GET", B+"/members/"+bob.Member.ID, nil)
		})

		// The same routes answer A's administrator about A's own things, so the 404s above are
		// not broken routes.
		t.Run("A's own things are there", func(t *testing.T) {
			for _, p := range []string{A, A + "/members", A + "/members/" + ann.Member.ID, A + "/invitations", A + "/access-groups", A + "/outbox"} {
				call(t, aAdmin, http.StatusOK, "GET", p, nil)
			}
		})

		t.Run("a deactivated member is shut out", func(t *testing.T) {
			dee := testutil.MustCreateMember(t, srv.App, a, domain.LevelProjectLead, "Dee")
			deePath := A + "/members/" + dee.Member.ID
			session, r := signIn(t, srv, dee.Email, dee.Password)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("sign in before deactivation: %d", r.StatusCode)
			}
			var m struct {
				Active        bool    `json:"active"`
				DeactivatedAt *string `json:"deactivated_at"`
			}
			call(t, aAdmin, http.StatusOK, "PATCH", deePath, map[string]any{"active": false}).JSON(t, &m)
			if m.Active || m.DeactivatedAt == nil {
				t.Fatalf("after deactivation: %+v", m)
			}
			token := srv.NewClient(t, dee.Token)
			for _, rt := range []route{
				{"", "GET", A, nil}, {"", "GET", A + "/members", nil}, {"", "GET", deePath, nil},
				{"", "GET", A + "/members/" + ann.Member.ID, nil}, {"", "GET", A + "/access-groups", nil},
				{"", "GET", A + "/invitations", nil}, {"", "GET", A + "/outbox", nil},
				{"", "PATCH", deePath, map[string]any{"active": true}},
			} {
				wantProblem(t, token.Do(rt.method, rt.path, rt.body), http.StatusNotFound)
			}
			wantProblem(t, session.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized)
			_, wrong := signIn(t, srv, dee.Email, "not the password at all")
			_, right := signIn(t, srv, dee.Email, dee.Password)
			if diff := cmp.Diff(wantProblem(t, wrong, http.StatusUnauthorized), wantProblem(t, right, http.StatusUnauthorized)); diff != "" {
				t.Errorf("a deactivated member's sign-in tells more than a wrong password (-wrong +right):\n%s", diff)
			}
			// Nothing is lost: still listed, and reactivation lets them back in.
			var list struct {
				Items []struct {
					ID     string `json:"id"`
					Active bool   `json:"active"`
				} `json:"items"`
			}
			call(t, aAdmin, http.StatusOK, "GET", A+"/members?active=false", nil).JSON(t, &list)
			if len(list.Items) != 1 || list.Items[0].ID != dee.Member.ID {
				t.Errorf("inactive members: %+v", list.Items)
			}
			call(t, aAdmin, http.StatusOK, "PATCH", deePath, map[string]any{"active": true})
			if _, r := signIn(t, srv, dee.Email, dee.Password); r.StatusCode != http.StatusOK {
				t.Errorf("sign in after reactivation: %d", r.StatusCode)
			}
			call(t, token, http.StatusOK, "GET", A, nil)
		})
	})
}

// Rates reach a client only if the caller's level may see them: the JSON keys are absent,
// not null.
func TestMemberRatesByLevel(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, srv *testutil.Server) {
		f := testutil.MustCreateAccount(t, srv.App, "Rates Inc")
		admin := srv.NewClient(t, f.Admin.Token)
		acct := "/api/v1/accounts/" + f.Account.ID
		tara := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Tara")
		call(t, admin, http.StatusOK, "PATCH", acct+"/members/"+tara.Member.ID, map[string]any{"default_bill_rate_minor": 12000, "cost_rate_minor": 6000})

		for _, v := range []struct {
			level      domain.AccountLevel
			status     int
			bill, cost bool
		}{
			{domain.LevelPunchClock, 200, false, false},
			{domain.LevelCollaboratorExternal, 403, false, false},
			{domain.LevelCollaborator, 200, false, false},
			{domain.LevelProjectCreator, 200, false, false},
			{domain.LevelProjectLead, 200, true, false},
			{domain.LevelReportViewer, 200, true, false},
			{domain.LevelReportViewerCost, 200, true, true},
			{domain.LevelAccountAdmin, 200, true, true},
		} {
			t.Run(string(v.level), func(t *testing.T) {
				viewer := srv.NewClient(t, testutil.MustCreateMember(t, srv.App, f, v.level, "Vic").Token)
				list := viewer.Do("GET", acct+"/members?limit=200", nil)
				one := viewer.Do("GET", acct+"/members/"+tara.Member.ID, nil)
				if v.status != http.StatusOK {
					wantProblem(t, list, v.status)
					wantProblem(t, one, v.status)
					return
				}
				if list.StatusCode != http.StatusOK || one.StatusCode != http.StatusOK {
					t.Fatalf("list %d, member %d", list.StatusCode, one.StatusCode)
				}
				var page struct {
					Items []map[string]json.RawMessage `json:"items"`
				}
				list.JSON(t, &page)
				var single map[string]json.RawMessage
				one.JSON(t, &single)
				found := false
				for _, item := range page.Items {
					if string(item["id"]) == `"`+tara.Member.ID+`"` {
						found = true
						checkRate(t, "list", item, "default_bill_rate", v.bill, 12000)
						checkRate(t, "list", item, "cost_rate", v.cost, 6000)
					}
				}
				if !found {
					t.Fatalf("Tara is not in the list")
				}
				checkRate(t, "member", single, "default_bill_rate", v.bill, 12000)
				checkRate(t, "member", single, "cost_rate", v.cost, 6000)
				for key, want := range map[string]bool{`"default_bill_rate"`: v.bill, `"cost_rate"`: v.cost} {
					if !want && (bytes.Contains(list.Body, []byte(key)) || bytes.Contains(one.Body, []byte(key))) {
						t.Errorf("%s appears for %s", key, v.level)
					}
				}
			})
		}
	})
}

func checkRate(t *testing.T, where string, m map[string]json.RawMessage, key string, want bool, amount int64) {
	t.Helper()
	raw, ok := m[key]
	if ok != want {
		t.Errorf("%s: %s present=%v, want %v", where, key, ok, want)
		return
	}
	if !ok {
		return
	}
	var money struct {
		AmountMinor int64  `json:"amount_minor"`
		Currency    string `json:"currency"`
	}
	if err := json.Unmarshal(raw, &money); err != nil || money.AmountMinor != amount || money.Currency != "EUR" {
		t.Errorf("%s: %s = %s, want %d EUR", where, key, raw, amount)
	}
}

// The account-level rules: Punch Clock needs a default bill rate, and an account always keeps
// an active Account Administrator.
func TestMemberLevelRules(t *testing.T) {
	t.Parallel()
	forEachDialect(t, func(t *testing.T, srv *testutil.Server) {
		f := testutil.MustCreateAccount(t, srv.App, "Levels Ltd")
		admin := srv.NewClient(t, f.Admin.Token)
		acct := "/api/v1/accounts/" + f.Account.ID
		type memberJSON struct {
			Level           string          `json:"level"`
			Active          bool            `json:"active"`
			DefaultBillRate json.RawMessage `json:"default_bill_rate"`
		}
		get := func(t *testing.T, id string) memberJSON {
			t.Helper()
			var m memberJSON
			call(t, admin, http.StatusOK, "GET", acct+"/members/"+id, nil).JSON(t, &m)
			return m
		}

		t.Run("Punch Clock needs a default bill rate", func(t *testing.T) {
			pia := testutil.MustCreateMember(t, srv.App, f, domain.LevelCollaborator, "Pia")
			path := acct + "/members/" + pia.Member.ID
			wantProblem(t, admin.Do("PATCH", path, map[string]any{"level": "punch_clock"}), http.StatusUnprocessableEntity, "level")
			if m := get(t, pia.Member.ID); m.Level != "collaborator" {
				t.Errorf("level %q after the refused change", m.Level)
			}
			call(t, admin, http.StatusOK, "PATCH", path, map[string]any{"level": "punch_clock", "default_bill_rate_minor": 4000})
			wantProblem(t, admin.Do("PATCH", path, map[string]any{"clear_default_bill_rate": true}), http.StatusUnprocessableEntity)
			if m := get(t, pia.Member.ID); m.Level != "punch_clock" || m.DefaultBillRate == nil {
				t.Errorf("after clearing the rate was refused: %+v", m)
			}
		})

		t.Run("the last Account Administrator stays", func(t *testing.T) {
			self := acct + "/members/" + f.Admin.Member.ID
			wantProblem(t, admin.Do("PATCH", self, map[string]any{"level": "project_lead"}), http.StatusConflict)
			wantProblem(t, admin.Do("PATCH", self, map[string]any{"active": false}), http.StatusConflict)
			if m := get(t, f.Admin.Member.ID); m.Level != "account_admin" || !m.Active {
				t.Fatalf("after refused changes: %+v", m)
			}
			// A deactivated administrator does not count.
			sue := testutil.MustCreateMember(t, srv.App, f, domain.LevelAccountAdmin, "Sue")
			suePath := acct + "/members/" + sue.Member.ID
			call(t, admin, http.StatusOK, "PATCH", suePath, map[string]any{"active": false})
			wantProblem(t, admin.Do("PATCH", self, map[string]any{"level": "project_lead"}), http.StatusConflict)
			call(t, admin, http.StatusOK, "PATCH", suePath, map[string]any{"active": true})
			// With two, one may step down; then the other is the last.
			call(t, admin, http.StatusOK, "PATCH", self, map[string]any{"level": "project_lead"})
			wantProblem(t, admin.Do("PATCH", self, map[string]any{"level": "account_admin"}), http.StatusForbidden)
			sueC := srv.NewClient(t, sue.Token)
			wantProblem(t, sueC.Do("PATCH", suePath, map[string]any{"level": "collaborator"}), http.StatusConflict)
			wantProblem(t, sueC.Do("PATCH", suePath, map[string]any{"active": false}), http.StatusConflict)
			call(t, sueC, http.StatusOK, "PATCH", self, map[string]any{"level": "account_admin"})
		})
	})
}

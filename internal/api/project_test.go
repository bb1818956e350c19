package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail/smtptest"
	"github.com/portico-dev/portico/internal/testutil"
)

type participantsResp struct {
	Revision     int64 `json:"revision"`
	Participants []struct {
		UserID   string   `json:"user_id"`
		Email    string   `json:"email"`
		Side     string   `json:"side"`
		Level    string   `json:"level"`
		Access   []string `json:"access"`
		TeamLead bool     `json:"team_lead"`
	} `json:"participants"`
	People []map[string]any `json:"people"`
}

// projectWorld is a provider account with a financial project, a provider member added to it,
// and a client invited by e-mail who accepted.
type projectWorld struct {
	srv       *testutil.Server
	acct      testutil.AccountFixture
	projectID string
	lead      testutil.Person // Project Lead member, added on the provider side
	clientTok string          // the client's session cookie client
	client    *testutil.Client
	clientID  string
	outsider  testutil.AccountFixture
}

func newProjectWorld(t *testing.T, dialect string) *projectWorld {
	t.Helper()
	srv := testutil.StartServer(t, dialect)
	w := &projectWorld{srv: srv, acct: testutil.MustCreateAccount(t, srv.App, "Northwind")}
	w.outsider = testutil.MustCreateAccount(t, srv.App, "Elsewhere")
	w.lead = testutil.MustCreateMember(t, srv.App, w.acct, domain.LevelProjectLead, "Lee")
	admin := srv.NewClient(t, w.acct.Admin.Token)
	var proj struct {
		ID string `json:"id"`
	}
	admin.Must(http.StatusCreated, "POST", "/api/v1/projects", map[string]any{"account_id": w.acct.Account.ID, "name": "Website relaunch",
		"client_company": "Acme", "financial": true}).JSON(t, &proj)
	w.projectID = proj.ID
	admin.Must(http.StatusCreated, "POST", "/api/v1/projects/"+proj.ID+"/participants", map[string]any{"member_id": w.lead.Member.ID, "side": "provider"})
	email := testutil.UniqueEmail("client")
	admin.Must(http.StatusCreated, "POST", "/api/v1/projects/"+proj.ID+"/participants", map[string]any{"email": email, "side": "client", "level": "edit_financials", "access": []string{"post"}})
	msg := srv.SMTP.WaitFor(t, func(m smtptest.Received) bool { return len(m.To) == 1 && m.To[0] == email }, 10*time.Second)
	i := strings.Index(msg.Text, "/project-invitations/")
	if i < 0 {
		t.Fatalf("no project invitation link in\n%s", msg.Text)
	}
	token := strings.Fields(msg.Text[i+len("/project-invitations/"):])[0]
	w.client = srv.NewClient(t, "")
	w.client.Must(http.StatusOK, "POST", "/api/v1/project-invitations/"+token+"/accept", map[string]string{"first_name": "Michael", "last_name": "Client", "password": "client password 123"})
	u, _, err := srv.Store.FindUserCredentials(t.Context(), email)
	if err != nil {
		t.Fatal(err)
	}
	w.clientID = u.ID
	return w
}

func TestProjectParticipantsByAudience(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newProjectWorld(t, d)
			admin := w.srv.NewClient(t, w.acct.Admin.Token)
			var full participantsResp
			admin.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil).JSON(t, &full)
			if len(full.Participants) != 3 || full.Revision == 0 || len(full.People) != 0 {
				t.Fatalf("provider view: %+v", full)
			}
			// The client sees names and sides only: no e-mails, levels or access, no revision.
			r := w.client.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil)
			for _, leak := range []string{"@test.example", "edit_financials", "project_admin", "\"level\"", "\"access\"", "\"email\"", "revision"} {
				if strings.Contains(string(r.Body), leak) {
					t.Errorf("client participant list leaks %q:\n%s", leak, r.Body)
				}
			}
			var cv participantsResp
			r.JSON(t, &cv)
			if len(cv.People) != 3 {
				t.Fatalf("client sees %d people, want 3: %s", len(cv.People), r.Body)
			}
			// The client's project view has no provider part (status), and no Budget-less tabs leak.
			var proj map[string]any
			w.client.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID, nil).JSON(t, &proj)
			if _, ok := proj["provider"]; ok {
				t.Fatalf("client sees the provider part: %v", proj)
			}
			admin.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID, nil).JSON(t, &proj)
			if _, ok := proj["provider"]; !ok {
				t.Fatalf("provider administrator lacks the provider part: %v", proj)
			}
			// Another account's administrator and a non-participant member get 404.
			other := w.srv.NewClient(t, w.outsider.Admin.Token)
			other.Must(http.StatusNotFound, "GET", "/api/v1/projects/"+w.projectID, nil)
			other.Must(http.StatusNotFound, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil)
			collab := testutil.MustCreateMember(t, w.srv.App, w.acct, domain.LevelCollaborator, "Cole")
			w.srv.NewClient(t, collab.Token).Must(http.StatusNotFound, "GET", "/api/v1/projects/"+w.projectID, nil)
		})
	}
}

func TestBatchSaveConflict(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newProjectWorld(t, d)
			admin := w.srv.NewClient(t, w.acct.Admin.Token)
			lead := w.srv.NewClient(t, w.lead.Token)
			var loaded participantsResp
			admin.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil).JSON(t, &loaded)
			// Make Lee a second administrator so two people can edit.
			admin.Must(http.StatusOK, "PATCH", "/api/v1/projects/"+w.projectID+"/participants", map[string]any{
				"revision": loaded.Revision, "changes": []map[string]any{{"user_id": w.lead.User.ID, "level": "project_admin"}}})
			var a, b participantsResp
			admin.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil).JSON(t, &a)
			lead.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil).JSON(t, &b)
			admin.Must(http.StatusOK, "PATCH", "/api/v1/projects/"+w.projectID+"/participants", map[string]any{
				"revision": a.Revision, "changes": []map[string]any{{"user_id": w.clientID, "level": "view_financials"}}})
			r := lead.Must(http.StatusConflict, "PATCH", "/api/v1/projects/"+w.projectID+"/participants", map[string]any{
				"revision": b.Revision, "changes": []map[string]any{{"user_id": w.clientID, "level": "project_admin"}, {"user_id": w.clientID, "team_lead": true}}})
			if r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("409 is not problem+json: %s", r.Body)
			}
			var after participantsResp
			admin.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil).JSON(t, &after)
			for _, p := range after.Participants {
				if p.UserID == w.clientID && (p.Level != "view_financials" || p.TeamLead) {
					t.Fatalf("the losing save changed something: %+v", p)
				}
			}
		})
	}
}

func TestBatchSaveRefusals(t *testing.T) {
	w := newProjectWorld(t, "sqlite")
	admin := w.srv.NewClient(t, w.acct.Admin.Token)
	var loaded participantsResp
	admin.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil).JSON(t, &loaded)
	cases := []struct {
		name   string
		status int
		field  string
		change map[string]any
	}{
		{"unknown level", 422, "changes[0].level", map[string]any{"user_id": w.clientID, "level": "overlord"}},
		{"T&E level on the client side", 422, "changes[0].level", map[string]any{"user_id": w.clientID, "level": "edit_time_expenses"}},
		{"Track Time with View Tasks", 422, "changes[0].access", map[string]any{"user_id": w.lead.User.ID, "level": "view_tasks", "access": []string{"track_time"}}},
		{"self-demotion (and the creator, an Account Administrator)", 403, "changes[0].level", map[string]any{"user_id": w.acct.Admin.User.ID, "level": "edit_tasks"}},
		{"someone not in the project", 422, "changes[0].user_id", map[string]any{"user_id": w.outsider.Admin.User.ID, "level": "edit_tasks"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := admin.Do("PATCH", "/api/v1/projects/"+w.projectID+"/participants", map[string]any{
				"revision": loaded.Revision, "changes": []map[string]any{c.change, {"user_id": w.lead.User.ID, "team_lead": true}}})
			if r.StatusCode != c.status || !strings.Contains(string(r.Body), c.field) {
				t.Fatalf("status %d, want %d naming %s:\n%s", r.StatusCode, c.status, c.field, r.Body)
			}
			var now participantsResp
			admin.Must(http.StatusOK, "GET", "/api/v1/projects/"+w.projectID+"/participants", nil).JSON(t, &now)
			if now.Revision != loaded.Revision {
				t.Fatalf("a refused batch changed the revision %d → %d", loaded.Revision, now.Revision)
			}
			for _, p := range now.Participants {
				if p.UserID == w.lead.User.ID && p.TeamLead {
					t.Fatal("the valid half of a refused batch was applied")
				}
			}
		})
	}
}

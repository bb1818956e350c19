package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/testutil"
)

// This file and project_access_*_test.go replay ACCESS-MATRIX.md over HTTP for the project and
// participant routes: one world per dialect with a participant in every column of the matrix
// and the people around a project who are not in it, then table-driven subtests per route.

// mxKind is how a subject stands towards the projects of the world.
type mxKind int

const (
	mxParticipant  mxKind = iota // takes part, at Column
	mxGuestAdmin                 // Account Administrator of the project's account, not a participant
	mxNonMember                  // a member of the account who does not take part (404)
	mxDeactivated                // a member who took part, then was deactivated (404)
	mxOtherAccount               // another account's administrator (404)
)

// mxPerson is one subject of the matrix: a column of the table or one of the people around it.
type mxPerson struct {
	Column    string // "VT" … "PA", "cVT" … "cPA", or a name for the others
	Kind      mxKind
	Client    bool
	Level     domain.ProjectLevel
	Access    []domain.Access
	AcctLevel domain.AccountLevel // "" for external participants
	UserID    string
	MemberID  string
	Email     string
	Name      string
	c         *testutil.Client
}

func (p *mxPerson) participant() bool { return p.Kind == mxParticipant }

// visible: the person sees the project at all (participants and the guest Account Administrator).
func (p *mxPerson) visible() bool { return p.Kind == mxParticipant || p.Kind == mxGuestAdmin }

// provider: the person sees the project from the provider side.
func (p *mxPerson) provider() bool { return p.visible() && !p.Client }

// providerAdmin: a provider-side Project Administrator of the project.
func (p *mxPerson) providerAdmin() bool {
	return p.participant() && !p.Client && p.Level == domain.PLProjectAdmin
}

// financialSight: View Financials, Edit Financials or Project Administrator, either side.
func (p *mxPerson) financialSight() bool {
	return p.participant() && (p.Level == domain.PLViewFinancials || p.Level == domain.PLEditFinancials || p.Level == domain.PLProjectAdmin)
}

func (p *mxPerson) has(a domain.Access) bool {
	return p.Level == domain.PLProjectAdmin || slices.Contains(p.Access, a)
}

// hidden404 is the status of anything of the project for a person who cannot see it.
func (p *mxPerson) status(ifVisible int) int {
	if !p.visible() {
		return http.StatusNotFound
	}
	return ifVisible
}

// subject is the access-layer subject the person should have, built from what the world made
// of them (not from what the server loads), so Explain can be checked against Decide.
func (p *mxPerson) subject() access.ProjectSubject {
	s := access.ProjectSubject{Account: access.Subject{UserID: p.UserID, Level: p.AcctLevel, Active: p.AcctLevel != ""}}
	switch p.Kind {
	case mxParticipant:
		s.Part = &access.Participation{Client: p.Client, Level: access.LevelOf(p.Level), Access: access.AccessOf(p.Access), External: p.AcctLevel == ""}
	case mxGuestAdmin:
		s.Part = &access.Participation{Level: access.LvlViewTasks, Guest: true}
	case mxDeactivated:
		s.Account.Active = false
	}
	return s
}

// mxWorld is the world the matrix is replayed in.
type mxWorld struct {
	srv        *testutil.Server
	acct       testutil.AccountFixture
	other      testutil.AccountFixture
	fin, nonfi string // the financial and the non-financial project
	people     []*mxPerson
	by         map[string]*mxPerson
	admin      *testutil.Client // the Account Administrator (the guest)
	pa         *testutil.Client // the provider Project Administrator, who created both projects
	tim        *mxPerson        // a member moved to the client side and then removed
}

// The matrix columns and how the world fills them: the provider people are members at an
// account level that may hold the column's level; the clients are invited by e-mail.
var mxColumns = []struct {
	col    string
	client bool
	level  domain.ProjectLevel
	access []domain.Access
	acct   domain.AccountLevel
	first  string
}{
	{"VT", false, domain.PLViewTasks, []domain.Access{domain.AccessPost}, domain.LevelProjectLead, "Vic"},
	{"VTE", false, domain.PLViewTimeExpenses, []domain.Access{domain.AccessTrackTime}, domain.LevelProjectLead, "Val"},
	{"VF", false, domain.PLViewFinancials, []domain.Access{domain.AccessPost, domain.AccessInvite}, domain.LevelProjectLead, "Vera"},
	{"ET", false, domain.PLEditTasks, []domain.Access{}, domain.LevelProjectCreator, "Etta"},
	{"ETE", false, domain.PLEditTimeExpenses, []domain.Access{domain.AccessInvite, domain.AccessTrackTime, domain.AccessTrackExpenses}, domain.LevelCollaborator, "Ezra"},
	{"EF", false, domain.PLEditFinancials, []domain.Access{domain.AccessScheduleSelf}, domain.LevelCollaborator, "Efe"},
	{"PA", false, domain.PLProjectAdmin, nil, domain.LevelProjectLead, "Pat"},
	{"cVT", true, domain.PLViewTasks, []domain.Access{}, "", "Cal"},
	{"cVF", true, domain.PLViewFinancials, []domain.Access{domain.AccessPost}, "", "Cyd"},
	{"cET", true, domain.PLEditTasks, []domain.Access{domain.AccessInvite}, "", "Cem"},
	{"cEF", true, domain.PLEditFinancials, []domain.Access{}, "", "Cleo"},
	{"cPA", true, domain.PLProjectAdmin, []domain.Access{}, "", "Cass"},
}

func TestProjectAccessMatrix(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newMxWorld(t, d)
			// Reads first, then the writes each route allows, then what the writes left behind.
			t.Run("GetProject", w.testGetProject)
			t.Run("ProjectList", w.testProjectList)
			t.Run("StatusHistory", w.testStatusHistory)
			t.Run("Participants", w.testParticipants)
			t.Run("Explain", w.testExplain)
			t.Run("ViewAs", w.testViewAs)
			t.Run("SetStatus", w.testSetStatus)
			t.Run("UpdateProject", w.testUpdateProject)
			t.Run("ArchiveRestore", w.testArchiveRestore)
			t.Run("SaveParticipants", w.testSaveParticipants)
			t.Run("Invite", w.testInvite)
			t.Run("Audit", w.testAudit)
			t.Run("PermissionTable", w.testPermissionTable)
			t.Run("BadInput", w.testBadInput)
		})
	}
}

func newMxWorld(t *testing.T, dialect string) *mxWorld {
	t.Helper()
	srv := testutil.StartServer(t, dialect)
	w := &mxWorld{srv: srv, by: map[string]*mxPerson{}}
	w.acct = testutil.MustCreateAccount(t, srv.App, "Northwind")
	w.other = testutil.MustCreateAccount(t, srv.App, "Elsewhere")
	w.admin = srv.NewClient(t, w.acct.Admin.Token)
	member := func(col string, level domain.AccountLevel, first string) *mxPerson {
		m := testutil.MustCreateMember(t, srv.App, w.acct, level, first)
		p := &mxPerson{Column: col, AcctLevel: level, UserID: m.User.ID, MemberID: m.Member.ID, Email: m.Email,
			Name: first + " Tester", c: srv.NewClient(t, m.Token)}
		return p
	}
	for _, c := range mxColumns {
		var p *mxPerson
		if c.client {
			p = &mxPerson{Column: c.col, Email: testutil.UniqueEmail(strings.ToLower(c.first)), Name: c.first + " Client"}
		} else {
			p = member(c.col, c.acct, c.first)
		}
		p.Client, p.Level, p.Access = c.client, c.level, c.access
		w.add(p)
	}
	w.pa = w.by["PA"].c
	w.add(&mxPerson{Column: "AA", Kind: mxGuestAdmin, AcctLevel: domain.LevelAccountAdmin, UserID: w.acct.Admin.User.ID,
		MemberID: w.acct.Admin.Member.ID, Email: w.acct.Admin.Email, Name: "Ada Admin", c: w.admin})
	cole := member("nonparticipant", domain.LevelCollaborator, "Cole")
	cole.Kind = mxNonMember
	w.add(cole)
	dee := member("deactivated", domain.LevelCollaborator, "Dee")
	dee.Kind, dee.Level, dee.Access = mxDeactivated, domain.PLEditTimeExpenses, []domain.Access{domain.AccessPost}
	w.add(dee)
	w.add(&mxPerson{Column: "otheraccount", Kind: mxOtherAccount, AcctLevel: "", UserID: w.other.Admin.User.ID,
		Email: w.other.Admin.Email, Name: "Ada Admin", c: srv.NewClient(t, w.other.Admin.Token)})
	w.tim = member("moved", domain.LevelCollaborator, "Tim")

	// The Project Lead creates both projects and is their Project Administrator.
	w.fin = w.createProject(t, w.pa, "Website relaunch", true)
	w.nonfi = w.createProject(t, w.pa, "Intranet", false)
	for i, proj := range []string{w.fin, w.nonfi} {
		w.populate(t, proj, i == 0)
	}
	// Tim is moved to the client side and removed; Dee is deactivated after taking part.
	rev := w.revision(t, w.pa, w.fin)
	w.save(t, w.pa, http.StatusOK, w.fin, rev, map[string]any{"user_id": w.tim.UserID, "side": "client", "level": "edit_tasks", "access": []string{}})
	w.save(t, w.pa, http.StatusOK, w.fin, w.revision(t, w.pa, w.fin), map[string]any{"user_id": w.tim.UserID, "remove": true})
	mxMust(t, w.admin, http.StatusOK, "PATCH", "/api/v1/accounts/"+w.acct.Account.ID+"/members/"+dee.MemberID, map[string]any{"active": false})
	return w
}

func (w *mxWorld) add(p *mxPerson) {
	w.people = append(w.people, p)
	w.by[p.Column] = p
}

func (w *mxWorld) createProject(t *testing.T, c *testutil.Client, name string, financial bool) string {
	t.Helper()
	var proj struct {
		ID string `json:"id"`
	}
	mxMust(t, c, http.StatusCreated, "POST", "/api/v1/projects", map[string]any{"account_id": w.acct.Account.ID, "name": name,
		"client_company": "Acme", "financial": financial, "start_date": "2026-01-05", "due_date": "2026-06-30"}).JSON(t, &proj)
	return proj.ID
}

// populate adds every column to a project as the product does it: members added at their
// defaults, clients invited by e-mail at theirs and accepting, then one save of the permissions
// page setting each person's level and access.
func (w *mxWorld) populate(t *testing.T, proj string, first bool) {
	t.Helper()
	path := "/api/v1/projects/" + proj + "/participants"
	members := []*mxPerson{w.by["VT"], w.by["VTE"], w.by["VF"], w.by["ET"], w.by["ETE"], w.by["EF"], w.by["deactivated"]}
	if first {
		members = append(members, w.tim)
	}
	for _, p := range members {
		mxMust(t, w.pa, http.StatusCreated, "POST", path, map[string]any{"member_id": p.MemberID, "side": "provider"})
	}
	for _, p := range w.people {
		if !p.Client {
			continue
		}
		var inv struct {
			Link string `json:"link"`
		}
		mxMust(t, w.pa, http.StatusCreated, "POST", path, map[string]any{"email": p.Email, "side": "client"}).JSON(t, &inv)
		token := inv.Link[strings.LastIndex(inv.Link, "/")+1:]
		body := map[string]any{"password": testutil.Password}
		if first {
			body["first_name"], body["last_name"] = strings.Fields(p.Name)[0], "Client"
		}
		mxMust(t, w.srv.NewClient(t, ""), http.StatusOK, "POST", "/api/v1/project-invitations/"+token+"/accept", body)
		if first {
			u, _, err := w.srv.Store.FindUserCredentials(t.Context(), p.Email)
			if err != nil {
				t.Fatal(err)
			}
			p.UserID = u.ID
			p.c = w.srv.NewClient(t, testutil.MustToken(t, w.srv.App, u.ID))
		}
	}
	var changes []map[string]any
	for _, p := range w.people {
		if (p.Kind != mxParticipant && p.Kind != mxDeactivated) || p.Column == "PA" {
			continue
		}
		ch := map[string]any{"user_id": p.UserID, "level": p.Level, "access": mxStrings(p.Access)}
		if p.Column == "VT" {
			ch["hidden"] = true // hidden from clients
		}
		changes = append(changes, ch)
	}
	w.save(t, w.pa, http.StatusOK, proj, w.revision(t, w.pa, proj), changes...)
}

// revision is the permissions page's revision as c loads it.
func (w *mxWorld) revision(t *testing.T, c *testutil.Client, proj string) int64 {
	t.Helper()
	var v struct {
		Revision int64 `json:"revision"`
	}
	mxMust(t, c, http.StatusOK, "GET", "/api/v1/projects/"+proj+"/participants", nil).JSON(t, &v)
	if v.Revision == 0 {
		t.Fatalf("no revision in the participants answer")
	}
	return v.Revision
}

// save sends one save of the permissions page and checks its status.
func (w *mxWorld) save(t *testing.T, c *testutil.Client, want int, proj string, rev int64, changes ...map[string]any) *testutil.Response {
	t.Helper()
	return mxMust(t, c, want, "PATCH", "/api/v1/projects/"+proj+"/participants", map[string]any{"revision": rev, "changes": changes})
}

// get reads JSON as a generic value.
func mxGet(t *testing.T, c *testutil.Client, want int, path string) map[string]any {
	t.Helper()
	var v map[string]any
	mxMust(t, c, want, "GET", path, nil).JSON(t, &v)
	return v
}

// mxMust sends a request and fails t unless the status is want.
func mxMust(t *testing.T, c *testutil.Client, want int, method, path string, body any) *testutil.Response {
	t.Helper()
	r := c.Do(method, path, body)
	if r.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.StatusCode, want, r.Body)
	}
	return r
}

// mxCheck sends a request and reports (without stopping) a status other than want.
func mxCheck(t *testing.T, who string, c *testutil.Client, want int, method, path string, body any) *testutil.Response {
	t.Helper()
	r := c.Do(method, path, body)
	if r.StatusCode != want {
		t.Errorf("%s: %s %s: status %d, want %d\n%s", who, method, path, r.StatusCode, want, r.Body)
	}
	return r
}

func mxStrings[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func mxProject(proj string, rest ...string) string {
	return "/api/v1/projects/" + proj + strings.Join(rest, "")
}

func mxQuery(kv ...string) string {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return "?" + q.Encode()
}

package api_test

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// TestFeedModel is the reference-model test of issue 4: random worlds (two accounts, two or
// three projects, participants on both sides at assorted levels, public and private posts,
// internal replies, files, later-added recipients, removed, re-added and moved participants,
// deactivated members, deleted posts and files) are built through the API while a small model
// keeps what PRODUCT.md says everyone should see. Then, for every user, every read path — the
// project feed and the dashboard page by page at several page sizes, the Files tab, file details
// and contents, every post by id, notifications and their unread count, and the SSE stream —
// must answer exactly what the model's visible(user, item) says.
//
// Each world logs its seed, and on failure its operations and how to replay it:
// PORTICO_FEED_MODEL_SEED=<seed> replays one world (the same operations; ids and times differ),
// PORTICO_FEED_MODEL_WORLDS=<n> runs n worlds per dialect (default 3, 1 with -short).
func TestFeedModel(t *testing.T) {
	seeds := feedModelSeeds(t)
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			for _, seed := range seeds {
				t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
					t.Logf("world seed %d (%s)", seed, d)
					w := newFeedWorld(t, d, seed)
					w.run()
				})
			}
		})
	}
}

const (
	feedModelSeedEnv   = "PORTICO_FEED_MODEL_SEED"
	feedModelWorldsEnv = "PORTICO_FEED_MODEL_WORLDS"
)

func feedModelSeeds(t *testing.T) []uint64 {
	if s := os.Getenv(feedModelSeedEnv); s != "" {
		seed, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("%s=%q: %v", feedModelSeedEnv, s, err)
		}
		return []uint64{seed}
	}
	n := 3
	if testing.Short() {
		n = 1
	}
	if s := os.Getenv(feedModelWorldsEnv); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number", feedModelWorldsEnv, s)
		}
	}
	seeds := make([]uint64, n)
	for i := range seeds {
		seeds[i] = rand.Uint64() >> 1
	}
	return seeds
}

// ---------------------------------------------------------------------------------------------
// The reference model: who sees what, straight from PRODUCT.md §4-§6 and ACCESS-MATRIX.md
// ("Project, people, feed, files"). It never calls product code.

// takesPart: a user sees anything of a project only while they take part in it (§5.5), and a
// deactivated member of the project's account takes part in none of its projects.
func (w *fmWorld) takesPart(u *fmUser, p *fmProject) bool {
	if p.parts[u.id] == nil {
		return false
	}
	if m := u.member[p.accountID]; m != nil && !m.active {
		return false
	}
	return true
}

// visible is the whole rule for posts, replies and (through fileVisible) files.
func (w *fmWorld) visible(u *fmUser, it *fmItem) bool {
	root := it.thread()
	switch {
	case it.deleted || root.deleted:
		return false // deleted: gone for everyone
	case !w.takesPart(u, it.proj):
		return false // other projects, other accounts, removed participants, deactivated members
	case root.private && u != root.author && !root.recipients[u.id]:
		return false // a private thread: its author and recipients only — the whole thread, later recipients too
	case it.internal && it.proj.parts[u.id].side != domain.SideProvider:
		return false // an internal reply: provider side only, even for a recipient
	}
	return true // public threads: every participant
}

// fileVisible: a file is visible exactly when its post is.
func (w *fmWorld) fileVisible(u *fmUser, f *fmFile) bool {
	return !f.deleted && w.visible(u, f.post)
}

// What people may write (ACCESS-MATRIX.md), to know which writes must be refused.

// projectAdmin: Project Administrator of the project; an Account Administrator always is.
func (w *fmWorld) projectAdmin(u *fmUser, p *fmProject) bool {
	if !w.takesPart(u, p) {
		return false
	}
	m := u.member[p.accountID]
	return p.parts[u.id].level == domain.PLProjectAdmin || (m != nil && m.level == domain.LevelAccountAdmin)
}

// canPost: writing posts, replies and attachments needs Post to Activity Feed.
func (w *fmWorld) canPost(u *fmUser, p *fmProject) bool {
	return w.takesPart(u, p) && (w.projectAdmin(u, p) || p.parts[u.id].post)
}

// canUpload: the Files tab needs an Edit level.
func (w *fmWorld) canUpload(u *fmUser, p *fmProject) bool {
	if !w.takesPart(u, p) {
		return false
	}
	switch p.parts[u.id].level {
	case domain.PLEditTasks, domain.PLEditTimeExpenses, domain.PLEditFinancials, domain.PLProjectAdmin:
		return true
	}
	return w.projectAdmin(u, p)
}

func (w *fmWorld) provider(u *fmUser, p *fmProject) bool {
	return w.takesPart(u, p) && p.parts[u.id].side == domain.SideProvider
}

// ---------------------------------------------------------------------------------------------
// The world.

type fmWorld struct {
	t        *testing.T
	srv      *testutil.Server
	rng      *rand.Rand
	seed     uint64
	http     *http.Client
	accounts []*fmAccount
	users    []*fmUser
	byID     map[string]*fmUser
	projects []*fmProject
	items    []*fmItem // every post and reply written, deleted ones included
	files    []*fmFile
	notes    map[string][]*fmNote // by user id: every notification the fan-out should have made
	removed  []fmRemoved
	seq      int
	tokens   int
	log      []string
	stats    map[string]int // what the world exercised, logged at the end
	built    time.Duration
}

type fmAccount struct {
	id, name string
	admin    *fmUser
}

type fmUser struct {
	name, id, email, token string
	member                 map[string]*fmMember // account id → membership
}

type fmMember struct {
	id     string
	level  domain.AccountLevel
	active bool
}

type fmProject struct {
	id, accountID, name string
	creator             *fmUser
	defaultPrivate      bool
	parts               map[string]*fmPart // user id → current participation
}

type fmPart struct {
	side   domain.Side
	level  domain.ProjectLevel
	post   bool
	hidden bool // a provider hidden from clients
}

type fmRemoved struct {
	proj *fmProject
	user *fmUser
	part fmPart
}

type fmItem struct {
	id, label  string
	token      string // in its body, to recognise its notification e-mails
	proj       *fmProject
	root       *fmItem // nil for a root
	author     *fmUser
	private    bool            // roots: the thread's privacy
	recipients map[string]bool // roots of private threads: author and recipients
	internal   bool
	created    time.Time
	deleted    bool
	files      []*fmFile
}

func (it *fmItem) thread() *fmItem {
	if it.root == nil {
		return it
	}
	return it.root
}

func (it *fmItem) kind() string {
	if it.root == nil {
		return "post"
	}
	return "reply"
}

type fmFile struct {
	id, name string
	post     *fmItem
	uploader *fmUser
	content  []byte
	created  time.Time
	deleted  bool
}

type fmNote struct {
	postID, kind string
	read         bool
}

func (w *fmWorld) count(what string) { w.stats[what]++ }

func (w *fmWorld) logf(format string, args ...any) {
	w.log = append(w.log, fmt.Sprintf(format, args...))
}

func (w *fmWorld) fatalf(format string, args ...any) {
	w.t.Helper()
	w.t.Fatalf(format, args...)
}

func newFeedWorld(t *testing.T, dialect string, seed uint64) *fmWorld {
	w := &fmWorld{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), byID: map[string]*fmUser{},
		notes: map[string][]*fmNote{}, stats: map[string]int{},
		http: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("operations of this world:\n  %s", strings.Join(w.log, "\n  "))
			pg := ""
			if dialect == "postgres" {
				pg = testutil.PostgresEnv + "=" + os.Getenv(testutil.PostgresEnv) + " "
			}
			t.Logf("reproduce: %s%s=%d go test ./internal/api/ -run 'TestFeedModel/%s'", pg, feedModelSeedEnv, seed, dialect)
		}
	})
	start := time.Now()
	w.srv = testutil.StartServer(t, dialect)
	w.build()
	w.built = time.Since(start)
	return w
}

// build creates two accounts with members at assorted levels, their projects and participants.
func (w *fmWorld) build() {
	ctx := w.t.Context()
	for _, name := range []string{"Northwind", "Acme"} {
		f := testutil.MustCreateAccount(w.t, w.srv.App, name)
		admin := &fmUser{name: name[:1] + "-admin", id: f.Admin.User.ID, email: f.Admin.Email, token: f.Admin.Token,
			member: map[string]*fmMember{f.Account.ID: {id: f.Admin.Member.ID, level: domain.LevelAccountAdmin, active: true}}}
		w.accounts = append(w.accounts, &fmAccount{id: f.Account.ID, name: name, admin: admin})
		w.addUser(admin)
	}
	// Members, created without invitations (one password hash each, in parallel).
	levels := []domain.AccountLevel{domain.LevelProjectLead, domain.LevelCollaborator, domain.LevelProjectCreator,
		domain.LevelCollaboratorExternal, domain.LevelReportViewer}
	type made struct {
		acct *fmAccount
		name string
		m    *domain.Member
		err  error
	}
	var todo []*made
	for i, a := range w.accounts {
		n := []int{5, 3}[i]
		for j := 1; j <= n; j++ {
			todo = append(todo, &made{acct: a, name: fmt.Sprintf("%s%d", strings.ToLower(a.name[:1]), j)})
		}
	}
	var wg sync.WaitGroup
	for _, m := range todo {
		wg.Go(func() {
			m.m, m.err = w.srv.Store.AddDemoMember(ctx, m.acct.id, testutil.UniqueEmail(m.name), m.name, "Model", testutil.Password)
		})
	}
	wg.Wait()
	for _, m := range todo {
		if m.err != nil {
			w.fatalf("add member %s: %v", m.name, m.err)
		}
		level := levels[w.rng.IntN(len(levels))]
		u := &fmUser{name: m.name, id: m.m.UserID, email: m.m.Email, token: testutil.MustToken(w.t, w.srv.App, m.m.UserID),
			member: map[string]*fmMember{m.acct.id: {id: m.m.ID, level: level, active: true}}}
		w.addUser(u)
		w.must(m.acct.admin, 200, "PATCH", "/api/v1/accounts/"+m.acct.id+"/members/"+m.m.ID, map[string]any{"level": level}, nil)
	}
	// Projects: one or two of the first account, one of the second.
	for i, a := range w.accounts {
		n := 1
		if i == 0 {
			n += w.rng.IntN(2)
		}
		for j := 1; j <= n; j++ {
			p := &fmProject{accountID: a.id, name: fmt.Sprintf("%s-P%d", a.name[:1], j), creator: a.admin, parts: map[string]*fmPart{}}
			body := map[string]any{"account_id": a.id, "name": p.name, "financial": w.rng.IntN(2) == 0}
			if w.rng.IntN(4) == 0 {
				p.defaultPrivate = true
				body["default_post_privacy"] = "private"
			}
			var out struct {
				ID string `json:"id"`
			}
			w.must(a.admin, 201, "POST", "/api/v1/projects", body, &out)
			p.id = out.ID
			p.parts[a.admin.id] = &fmPart{side: domain.SideProvider, level: domain.PLProjectAdmin, post: true}
			w.projects = append(w.projects, p)
			w.populate(p)
		}
	}
	for _, p := range w.projects {
		var parts []string
		for _, u := range w.users {
			if pt := p.parts[u.id]; pt != nil {
				parts = append(parts, fmt.Sprintf("%s:%s/%s/post=%v", u.name, pt.side, pt.level, pt.post))
			}
		}
		w.logf("project %s (default private %v): %s", p.name, p.defaultPrivate, strings.Join(parts, " "))
	}
	for _, u := range w.users {
		for aid, m := range u.member {
			w.logf("user %s: member of %s as %s", u.name, w.accountName(aid), m.level)
		}
	}
}

func (w *fmWorld) addUser(u *fmUser) {
	w.users = append(w.users, u)
	w.byID[u.id] = u
}

func (w *fmWorld) accountName(id string) string {
	for _, a := range w.accounts {
		if a.id == id {
			return a.name
		}
	}
	return id
}

// populate adds participants: members of the project's account mostly on the provider side,
// people of the other account on the client side (external participants).
func (w *fmWorld) populate(p *fmProject) {
	for _, u := range w.users {
		if p.parts[u.id] != nil {
			continue
		}
		if m := u.member[p.accountID]; m != nil {
			if m.level == domain.LevelAccountAdmin || w.rng.IntN(4) == 0 {
				continue
			}
			side := domain.SideProvider
			if w.rng.IntN(5) == 0 {
				side = domain.SideClient
			}
			w.addMember(p, u, side, w.pickLevel(m.level, side), w.rng.IntN(5) < 3)
			continue
		}
		if w.rng.IntN(2) == 0 {
			w.addExternal(p, u, fmPart{side: domain.SideClient, level: w.pickLevel("", domain.SideClient), post: w.rng.IntN(5) < 3})
		}
	}
	// Both sides present: another provider and a client.
	count := func(side domain.Side) int {
		n := 0
		for _, pt := range p.parts {
			if pt.side == side {
				n++
			}
		}
		return n
	}
	for _, u := range w.users {
		if count(domain.SideProvider) >= 2 && count(domain.SideClient) >= 1 {
			break
		}
		if p.parts[u.id] != nil {
			continue
		}
		if m := u.member[p.accountID]; m != nil && count(domain.SideProvider) < 2 {
			w.addMember(p, u, domain.SideProvider, w.pickLevel(m.level, domain.SideProvider), true)
		} else if m == nil && count(domain.SideClient) < 1 {
			w.addExternal(p, u, fmPart{side: domain.SideClient, level: domain.PLEditTasks, post: true})
		}
	}
}

// pickLevel picks a project level the default permission table allows for the account level
// on the side ("" for external participants).
func (w *fmWorld) pickLevel(acct domain.AccountLevel, side domain.Side) domain.ProjectLevel {
	var ls []domain.ProjectLevel
	switch acct {
	case domain.LevelProjectLead, domain.LevelReportViewer, domain.LevelReportViewerCost, "":
		ls = []domain.ProjectLevel{domain.PLViewTasks, domain.PLViewTimeExpenses, domain.PLViewFinancials, domain.PLEditTasks,
			domain.PLEditTimeExpenses, domain.PLEditFinancials, domain.PLProjectAdmin}
	default:
		ls = []domain.ProjectLevel{domain.PLEditTasks, domain.PLEditTimeExpenses, domain.PLEditFinancials, domain.PLProjectAdmin}
	}
	if side == domain.SideClient {
		ls = slices.DeleteFunc(ls, func(l domain.ProjectLevel) bool {
			return l == domain.PLViewTimeExpenses || l == domain.PLEditTimeExpenses
		})
	}
	return ls[w.rng.IntN(len(ls))]
}

func fmAccess(post bool) []string {
	if post {
		return []string{"post"}
	}
	return []string{}
}

// addMember adds a member of the project's account through the API.
func (w *fmWorld) addMember(p *fmProject, u *fmUser, side domain.Side, level domain.ProjectLevel, post bool) {
	w.must(p.creator, 201, "POST", "/api/v1/projects/"+p.id+"/participants",
		map[string]any{"member_id": u.member[p.accountID].id, "side": side, "level": level, "access": fmAccess(post)}, nil)
	p.parts[u.id] = &fmPart{side: side, level: level, post: post}
}

// addExternal adds someone who is not a member of the project's account straight in the store
// (an accepted invitation, without the e-mail round trip).
func (w *fmWorld) addExternal(p *fmProject, u *fmUser, pt fmPart) {
	var acc []domain.Access
	if pt.post {
		acc = []domain.Access{domain.AccessPost}
	}
	err := w.srv.Store.AddParticipant(w.t.Context(), &domain.Participant{ProjectID: p.id, AccountID: p.accountID, UserID: u.id,
		Email: u.email, FirstName: u.name, LastName: "Model", Side: pt.side, Level: pt.level, Access: acc},
		store.AuditActor{UserID: p.creator.id, Name: p.creator.name})
	if err != nil {
		w.fatalf("add %s to %s: %v", u.name, p.name, err)
	}
	p.parts[u.id] = &pt
}

// ---------------------------------------------------------------------------------------------
// HTTP.

func (w *fmWorld) do(u *fmUser, method, path string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	if err != nil {
		panic(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return w.send(u, req)
}

func (w *fmWorld) send(u *fmUser, req *http.Request) (int, []byte) {
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := w.http.Do(req)
	if err != nil {
		w.t.Errorf("%s %s as %s: %v", req.Method, req.URL.Path, u.name, err)
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// must sends a request that must answer want, and decodes the answer into out.
func (w *fmWorld) must(u *fmUser, want int, method, path string, body, out any) {
	w.t.Helper()
	status, b := w.do(u, method, path, body)
	if status != want {
		w.fatalf("%s %s as %s: %d, want %d\n%s", method, path, u.name, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			w.fatalf("%s %s: decode: %v\n%s", method, path, err, b)
		}
	}
}

type fmField struct{ name, value string }

type fmUpload struct {
	name    string
	content []byte
}

func (w *fmWorld) multipart(u *fmUser, path string, fields []fmField, files []fmUpload) (int, []byte) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f.name, f.value)
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile("file", f.name)
		fw.Write(f.content)
	}
	mw.Close()
	req, err := http.NewRequest("POST", w.srv.URL+path, &buf)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return w.send(u, req)
}

// settle waits until the job worker has run every due job (the notification fan-out).
func (w *fmWorld) settle() {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pending, failed, err := w.srv.Store.JobStats(w.t.Context())
		if err != nil {
			w.fatalf("job stats: %v", err)
		}
		if failed > 0 {
			w.fatalf("%d jobs failed", failed)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			w.fatalf("%d jobs still pending", pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// API shapes read back.

type fmFileOut struct {
	ID        string    `json:"id"`
	PostID    string    `json:"post_id"`
	ThreadID  string    `json:"thread_id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	URL       string    `json:"url"`
}

type fmPostOut struct {
	ID        string      `json:"id"`
	ThreadID  string      `json:"thread_id"`
	Kind      string      `json:"kind"`
	Private   bool        `json:"private"`
	Internal  bool        `json:"internal"`
	CreatedAt time.Time   `json:"created_at"`
	Files     []fmFileOut `json:"files"`
	ProjectID string      `json:"project_id"` // dashboard items
}

type fmThreadOut struct {
	Post    fmPostOut   `json:"post"`
	Replies []fmPostOut `json:"replies"`
}

type fmNoteOut struct {
	ID        string     `json:"id"`
	Kind      string     `json:"kind"`
	PostID    string     `json:"post_id"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

// ---------------------------------------------------------------------------------------------
// Operations. Each picks its actor and target at random (sometimes people who may not act),
// predicts the status from the model, performs the request, and keeps the model in sync.

func (w *fmWorld) run() {
	start := time.Now()
	w.ops(40)
	w.check("after the first operations")
	w.checkStream()
	w.ops(30)
	w.check("at the end")
	w.t.Logf("built in %v (password hashing, mostly), operations and checks in %v", w.built.Round(time.Millisecond),
		time.Since(start).Round(time.Millisecond))
	keys := slices.Sorted(maps.Keys(w.stats))
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%d", k, w.stats[k]))
	}
	w.t.Logf("exercised: %s", strings.Join(parts, " "))
}

func (w *fmWorld) ops(n int) {
	for range n {
		switch r := w.rng.IntN(100); {
		case r < 24:
			w.opPost(0)
		case r < 32:
			w.opPost(1)
		case r < 38:
			w.opPost(2)
		case r < 56:
			w.opReply(false)
		case r < 62:
			w.opReply(true)
		default:
			// Everything else changes who sees what: first let the fan-out of earlier posts run,
			// so that the notifications the model expects are those of the moment of posting.
			w.settle()
			switch {
			case r < 72:
				w.opAddRecipients()
			case r < 76:
				w.opRemoveParticipant()
			case r < 80:
				w.opReadd()
			case r < 83:
				w.opMoveSide()
			case r < 84:
				w.opHide()
			case r < 86:
				w.opToggleActive()
			case r < 92:
				w.opDeletePost()
			case r < 95:
				w.opDeleteFile()
			default:
				w.opMarkRead()
			}
		}
	}
	w.settle()
}

func fmPick[T any](w *fmWorld, xs []T) T { return xs[w.rng.IntN(len(xs))] }

// newToken marks a post's body so that its notification e-mails can be told apart.
func (w *fmWorld) newToken() string {
	w.tokens++
	return fmt.Sprintf("[fm:%d]", w.tokens)
}

// participantsOf lists a project's participants (deactivated members included) in user order.
func (w *fmWorld) participantsOf(p *fmProject) []*fmUser {
	var out []*fmUser
	for _, u := range w.users {
		if p.parts[u.id] != nil {
			out = append(out, u)
		}
	}
	return out
}

// pickActor is mostly a participant of the project, sometimes anyone.
func (w *fmWorld) pickActor(p *fmProject) *fmUser {
	if ps := w.participantsOf(p); len(ps) > 0 && w.rng.IntN(5) > 0 {
		return fmPick(w, ps)
	}
	return fmPick(w, w.users)
}

func (w *fmWorld) newFiles(n int) []fmUpload {
	out := make([]fmUpload, n)
	for i := range out {
		w.seq++
		out[i] = fmUpload{name: fmt.Sprintf("f%d.txt", w.seq), content: fmt.Appendf(nil, "file %d of world %d\n", w.seq, w.seed)}
	}
	return out
}

// record adds a written post or reply (and its files) to the model, and the notifications the
// fan-out owes for it: every other participant who may see it now.
func (w *fmWorld) record(it *fmItem, out fmPostOut, ups []fmUpload, mentions []*fmUser) {
	it.id, it.created = out.ID, out.CreatedAt
	w.seq++
	it.label = fmt.Sprintf("#%d %s of %s by %s", w.seq, it.kind(), it.proj.name, it.author.name)
	if it.root != nil && it.internal {
		it.label += " (internal)"
	}
	if it.root == nil && it.private {
		it.label += " (private)"
	}
	if out.Private != it.thread().private || out.Internal != it.internal {
		w.fatalf("%s: answered private=%v internal=%v", it.label, out.Private, out.Internal)
	}
	if len(out.Files) != len(ups) {
		w.fatalf("%s: %d files answered, %d sent", it.label, len(out.Files), len(ups))
	}
	for _, fo := range out.Files {
		i := slices.IndexFunc(ups, func(u fmUpload) bool { return u.name == fo.Name })
		if i < 0 {
			w.fatalf("%s: unexpected file %q", it.label, fo.Name)
		}
		f := &fmFile{id: fo.ID, name: fo.Name, post: it, uploader: it.author, content: ups[i].content, created: fo.CreatedAt}
		it.files = append(it.files, f)
		w.files = append(w.files, f)
	}
	w.items = append(w.items, it)
	w.logf("%s: %s", it.label, it.id)
	for _, u := range w.participantsOf(it.proj) {
		if u == it.author || !w.visible(u, it) {
			continue
		}
		kind := it.kind()
		if slices.Contains(mentions, u) {
			kind = "mention"
		}
		w.notes[u.id] = append(w.notes[u.id], &fmNote{postID: it.id, kind: kind})
	}
}

// opPost writes a root post: as JSON (mode 0), multipart with files (1), or through the Files
// tab (2).
func (w *fmWorld) opPost(mode int) {
	p := fmPick(w, w.projects)
	author := w.pickActor(p)
	private := w.rng.IntN(100) < 45
	sendPrivacy := w.rng.IntN(5) > 0
	if !sendPrivacy {
		private = p.defaultPrivate
	}
	var recipients []*fmUser
	if private {
		others := slices.DeleteFunc(w.participantsOf(p), func(u *fmUser) bool { return u == author })
		if len(others) == 0 {
			private, sendPrivacy = false, true
		} else {
			w.rng.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
			recipients = others[:1+w.rng.IntN(min(3, len(others)))]
		}
	}
	var mentions []*fmUser
	if w.rng.IntN(3) == 0 {
		mentions = []*fmUser{fmPick(w, w.users), fmPick(w, w.users)}
	}
	var ups []fmUpload
	if mode > 0 {
		ups = w.newFiles(1 + w.rng.IntN(2))
	}
	want := 201
	switch {
	case !w.takesPart(author, p):
		want = 404
	case mode == 2 && !w.canUpload(author, p):
		want = 403
	case mode < 2 && !w.canPost(author, p):
		want = 403
	}
	w.count(fmt.Sprintf("write.post.mode%d.private=%v.want%d", mode, private, want))
	token := w.newToken()
	desc := fmt.Sprintf("%s posts (mode %d, private %v sent %v, recipients %s, %d files) in %s", author.name, mode, private, sendPrivacy,
		fmNames(recipients), len(ups), p.name)
	var status int
	var body []byte
	if mode == 0 {
		req := map[string]any{"body": "post " + token, "recipient_ids": fmIDs(recipients), "mention_ids": fmIDs(mentions)}
		if sendPrivacy {
			req["private"] = private
		}
		status, body = w.do(author, "POST", "/api/v1/projects/"+p.id+"/posts", req)
	} else {
		fields := []fmField{{"body", "upload " + token}}
		if sendPrivacy {
			fields = append(fields, fmField{"private", strconv.FormatBool(private)})
		}
		for _, r := range recipients {
			fields = append(fields, fmField{"recipient_ids", r.id})
		}
		for _, m := range mentions {
			fields = append(fields, fmField{"mention_ids", m.id})
		}
		path := "/api/v1/projects/" + p.id + "/posts/multipart"
		if mode == 2 {
			path = "/api/v1/projects/" + p.id + "/files"
		}
		status, body = w.multipart(author, path, fields, ups)
	}
	w.logf("%s → %d", desc, status)
	if status != want {
		w.fatalf("%s: %d, want %d\n%s", desc, status, want, body)
	}
	if want != 201 {
		return
	}
	var out fmThreadOut
	if err := json.Unmarshal(body, &out); err != nil {
		w.fatalf("%s: %v", desc, err)
	}
	it := &fmItem{proj: p, author: author, private: private, token: token}
	if private {
		it.recipients = map[string]bool{author.id: true}
		for _, r := range recipients {
			it.recipients[r.id] = true
		}
	}
	w.record(it, out.Post, ups, mentions)
}

func (w *fmWorld) roots() []*fmItem {
	var out []*fmItem
	for _, it := range w.items {
		if it.root == nil {
			out = append(out, it)
		}
	}
	return out
}

func (w *fmWorld) opReply(withFile bool) {
	roots := w.roots()
	if len(roots) == 0 {
		return
	}
	root := fmPick(w, roots)
	p := root.proj
	author := w.pickActor(p)
	internal := w.rng.IntN(100) < 15
	if w.provider(author, p) {
		internal = w.rng.IntN(100) < 45
	}
	var mentions []*fmUser
	if w.rng.IntN(3) == 0 {
		mentions = []*fmUser{fmPick(w, w.users)}
	}
	var ups []fmUpload
	if withFile {
		ups = w.newFiles(1)
	}
	want := 201
	switch {
	case !w.visible(author, root):
		want = 404
	case internal && !w.provider(author, p):
		want = 403
	case !w.canPost(author, p):
		want = 403
	}
	w.count(fmt.Sprintf("write.reply.internal=%v.want%d", internal, want))
	token := w.newToken()
	desc := fmt.Sprintf("%s replies (internal %v, %d files) to %s", author.name, internal, len(ups), root.label)
	var status int
	var body []byte
	if withFile {
		fields := []fmField{{"body", "reply " + token}, {"internal", strconv.FormatBool(internal)}}
		for _, m := range mentions {
			fields = append(fields, fmField{"mention_ids", m.id})
		}
		status, body = w.multipart(author, "/api/v1/posts/"+root.id+"/replies/multipart", fields, ups)
	} else {
		status, body = w.do(author, "POST", "/api/v1/posts/"+root.id+"/replies",
			map[string]any{"body": "reply " + token, "internal": internal, "mention_ids": fmIDs(mentions)})
	}
	w.logf("%s → %d", desc, status)
	if status != want {
		w.fatalf("%s: %d, want %d\n%s", desc, status, want, body)
	}
	if want != 201 {
		return
	}
	var out fmPostOut
	if err := json.Unmarshal(body, &out); err != nil {
		w.fatalf("%s: %v", desc, err)
	}
	w.record(&fmItem{proj: p, root: root, author: author, internal: internal, token: token}, out, ups, mentions)
}

func (w *fmWorld) opAddRecipients() {
	var private []*fmItem
	for _, it := range w.roots() {
		if it.private && !it.deleted {
			private = append(private, it)
		}
	}
	if len(private) == 0 {
		return
	}
	root := fmPick(w, private)
	p := root.proj
	actor := w.pickActor(p)
	if w.rng.IntN(3) > 0 { // mostly someone of the thread
		var in []*fmUser
		for _, u := range w.participantsOf(p) {
			if root.recipients[u.id] {
				in = append(in, u)
			}
		}
		if len(in) > 0 {
			actor = fmPick(w, in)
		}
	}
	ps := w.participantsOf(p)
	users := []*fmUser{fmPick(w, ps), fmPick(w, ps)}
	want := 200
	switch {
	case !w.visible(actor, root):
		want = 404
	case !w.canPost(actor, p):
		want = 403
	}
	w.count(fmt.Sprintf("write.recipients.want%d", want))
	desc := fmt.Sprintf("%s adds %s to %s", actor.name, fmNames(users), root.label)
	status, body := w.do(actor, "POST", "/api/v1/posts/"+root.id+"/recipients", map[string]any{"user_ids": fmIDs(users)})
	w.logf("%s → %d", desc, status)
	if status != want {
		w.fatalf("%s: %d, want %d\n%s", desc, status, want, body)
	}
	if want != 200 {
		return
	}
	var added []string
	if err := json.Unmarshal(body, &added); err != nil {
		w.fatalf("%s: %v", desc, err)
	}
	var wantAdded []string
	for _, u := range users {
		if !root.recipients[u.id] && !slices.Contains(wantAdded, u.id) {
			wantAdded = append(wantAdded, u.id)
		}
	}
	slices.Sort(added)
	slices.Sort(wantAdded)
	if !slices.Equal(added, wantAdded) {
		w.fatalf("%s: added %v, want %v", desc, added, wantAdded)
	}
	for _, id := range wantAdded {
		w.count("write.recipients.added")
		root.recipients[id] = true
		if u := w.byID[id]; w.visible(u, root) {
			w.notes[id] = append(w.notes[id], &fmNote{postID: root.id, kind: "recipient"})
		}
	}
}

// participantsRevision loads a project's revision for a batch save.
func (w *fmWorld) participantsRevision(p *fmProject) int64 {
	var out struct {
		Revision int64 `json:"revision"`
	}
	w.must(p.creator, 200, "GET", "/api/v1/projects/"+p.id+"/participants", nil, &out)
	return out.Revision
}

// changeable lists the participants the project's creator may remove or move: everyone but
// themselves and Account Administrators of the project's account.
func (w *fmWorld) changeable(p *fmProject, membersOnly bool) []*fmUser {
	var out []*fmUser
	for _, u := range w.participantsOf(p) {
		m := u.member[p.accountID]
		if u == p.creator || (m != nil && m.level == domain.LevelAccountAdmin) || (membersOnly && (m == nil || !m.active)) {
			continue
		}
		out = append(out, u)
	}
	return out
}

func (w *fmWorld) opRemoveParticipant() {
	p := fmPick(w, w.projects)
	us := w.changeable(p, false)
	if len(us) == 0 {
		return
	}
	u := fmPick(w, us)
	w.count("participant.removed")
	w.logf("%s removes %s from %s", p.creator.name, u.name, p.name)
	w.must(p.creator, 200, "PATCH", "/api/v1/projects/"+p.id+"/participants", map[string]any{"revision": w.participantsRevision(p),
		"changes": []map[string]any{{"user_id": u.id, "remove": true}}}, nil)
	w.removed = append(w.removed, fmRemoved{proj: p, user: u, part: *p.parts[u.id]})
	delete(p.parts, u.id)
}

func (w *fmWorld) opReadd() {
	var can []fmRemoved
	for _, r := range w.removed {
		if r.proj.parts[r.user.id] == nil {
			can = append(can, r)
		}
	}
	if len(can) == 0 {
		return
	}
	r := fmPick(w, can)
	r.part.hidden = false
	w.count("participant.readded")
	w.logf("%s is added back to %s as %s/%s", r.user.name, r.proj.name, r.part.side, r.part.level)
	if m := r.user.member[r.proj.accountID]; m != nil && m.active {
		w.addMember(r.proj, r.user, r.part.side, r.part.level, r.part.post)
	} else {
		w.addExternal(r.proj, r.user, r.part)
	}
}

// opMoveSide moves a member of the project's account to the other side (at Edit Tasks).
func (w *fmWorld) opMoveSide() {
	p := fmPick(w, w.projects)
	us := w.changeable(p, true)
	if len(us) == 0 {
		return
	}
	u := fmPick(w, us)
	pt := p.parts[u.id]
	side := domain.SideClient
	if pt.side == domain.SideClient {
		side = domain.SideProvider
	}
	post := w.rng.IntN(2) == 0
	w.count("participant.moved")
	w.logf("%s moves %s to the %s side of %s", p.creator.name, u.name, side, p.name)
	w.must(p.creator, 200, "PATCH", "/api/v1/projects/"+p.id+"/participants", map[string]any{"revision": w.participantsRevision(p),
		"changes": []map[string]any{{"user_id": u.id, "side": side, "level": domain.PLEditTasks, "access": fmAccess(post), "hidden": false}}}, nil)
	p.parts[u.id] = &fmPart{side: side, level: domain.PLEditTasks, post: post}
}

// opHide hides a provider participant from clients (or shows them again).
func (w *fmWorld) opHide() {
	p := fmPick(w, w.projects)
	var us []*fmUser
	for _, u := range w.changeable(p, false) {
		if p.parts[u.id].side == domain.SideProvider {
			us = append(us, u)
		}
	}
	if len(us) == 0 {
		return
	}
	u := fmPick(w, us)
	pt := p.parts[u.id]
	w.count("participant.hidden")
	w.logf("%s sets %s hidden=%v in %s", p.creator.name, u.name, !pt.hidden, p.name)
	w.must(p.creator, 200, "PATCH", "/api/v1/projects/"+p.id+"/participants", map[string]any{"revision": w.participantsRevision(p),
		"changes": []map[string]any{{"user_id": u.id, "hidden": !pt.hidden}}}, nil)
	pt.hidden = !pt.hidden
}

// opToggleActive deactivates (or reactivates) a member of an account.
func (w *fmWorld) opToggleActive() {
	a := fmPick(w, w.accounts)
	var us []*fmUser
	for _, u := range w.users {
		if m := u.member[a.id]; m != nil && m.level != domain.LevelAccountAdmin {
			us = append(us, u)
		}
	}
	u := fmPick(w, us)
	for _, v := range us { // rather bring someone back than shrink the world further
		if !v.member[a.id].active && w.rng.IntN(2) == 0 {
			u = v
		}
	}
	m := u.member[a.id]
	w.count(fmt.Sprintf("member.active=%v", !m.active))
	w.logf("%s sets %s active=%v", a.admin.name, u.name, !m.active)
	w.must(a.admin, 200, "PATCH", "/api/v1/accounts/"+a.id+"/members/"+m.id, map[string]any{"active": !m.active}, nil)
	m.active = !m.active
}

func (w *fmWorld) opDeletePost() {
	var live []*fmItem
	for _, it := range w.items {
		if !it.deleted && !it.thread().deleted {
			live = append(live, it)
		}
	}
	if len(live) == 0 {
		return
	}
	it := fmPick(w, live)
	actor := it.author
	if r := w.rng.IntN(10); r < 3 {
		actor = it.proj.creator
	} else if r < 5 {
		actor = w.pickActor(it.proj)
	}
	want := 204
	switch {
	case !w.visible(actor, it):
		want = 404
	case !(w.provider(actor, it.proj) && w.projectAdmin(actor, it.proj)) && !(actor == it.author && w.canPost(actor, it.proj)):
		want = 403
	}
	w.count(fmt.Sprintf("delete.%s.want%d", it.kind(), want))
	status, body := w.do(actor, "DELETE", "/api/v1/posts/"+it.id, nil)
	w.logf("%s deletes %s → %d", actor.name, it.label, status)
	if status != want {
		w.fatalf("%s deletes %s: %d, want %d\n%s", actor.name, it.label, status, want, body)
	}
	if want == 204 {
		it.deleted = true
	}
}

func (w *fmWorld) opDeleteFile() {
	var live []*fmFile
	for _, f := range w.files {
		if !f.deleted && !f.post.deleted && !f.post.thread().deleted {
			live = append(live, f)
		}
	}
	if len(live) == 0 {
		return
	}
	f := fmPick(w, live)
	p := f.post.proj
	actor := f.uploader
	if w.rng.IntN(2) == 0 {
		actor = w.pickActor(p)
	}
	want := 204
	switch {
	case !w.fileVisible(actor, f):
		want = 404
	case actor != f.uploader && !(w.provider(actor, p) && w.projectAdmin(actor, p)):
		want = 403
	}
	w.count(fmt.Sprintf("delete.file.want%d", want))
	status, body := w.do(actor, "DELETE", "/api/v1/files/"+f.id, nil)
	w.logf("%s deletes file %s of %s → %d", actor.name, f.name, f.post.label, status)
	if status != want {
		w.fatalf("%s deletes file %s: %d, want %d\n%s", actor.name, f.name, status, want, body)
	}
	if want == 204 {
		f.deleted = true
	}
}

// opMarkRead marks some of a user's notifications read (or all of them, hidden ones included).
func (w *fmWorld) opMarkRead() {
	u := fmPick(w, w.users)
	if w.rng.IntN(4) == 0 {
		w.logf("%s marks all notifications read", u.name)
		w.must(u, 204, "POST", "/api/v1/notifications/read", map[string]any{}, nil)
		for _, n := range w.notes[u.id] {
			n.read = true
		}
		return
	}
	var page struct {
		Items []fmNoteOut `json:"items"`
	}
	w.must(u, 200, "GET", "/api/v1/notifications?limit=200", nil, &page)
	var ids []string
	for _, n := range page.Items {
		if w.rng.IntN(2) == 0 {
			continue
		}
		ids = append(ids, n.ID)
		i := slices.IndexFunc(w.notes[u.id], func(m *fmNote) bool { return m.postID == n.PostID && m.kind == n.Kind })
		if i < 0 {
			w.fatalf("%s has a notification the model does not know: %+v", u.name, n)
		}
		w.notes[u.id][i].read = true
	}
	if len(ids) == 0 {
		return
	}
	w.count("notifications.marked")
	w.logf("%s marks %d notifications read", u.name, len(ids))
	w.must(u, 204, "POST", "/api/v1/notifications/read", map[string]any{"ids": ids}, nil)
}

func (w *fmWorld) userNames(ids []string) string {
	var us []*fmUser
	for _, id := range ids {
		u := w.byID[id]
		if u == nil {
			u = &fmUser{name: id}
		}
		us = append(us, u)
	}
	return fmNames(us)
}

func fmIDs(us []*fmUser) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.id)
	}
	return out
}

func fmNames(us []*fmUser) string {
	var out []string
	for _, u := range us {
		out = append(out, u.name)
	}
	return "[" + strings.Join(out, " ") + "]"
}

// ---------------------------------------------------------------------------------------------
// Checks: every read path against the model, for every user.

var fmPageSizes = []int{1, 2, 5, 50}

func fmNewestFirst(aAt time.Time, aID string, bAt time.Time, bID string) int {
	// negative when a sorts before b (a is newer)
	return cmp.Or(bAt.Compare(aAt), strings.Compare(bID, aID))
}

func (w *fmWorld) label(id string) string {
	for _, it := range w.items {
		if it.id == id {
			return it.label
		}
	}
	for _, f := range w.files {
		if f.id == id {
			return "file " + f.name + " of " + f.post.label
		}
	}
	return id
}

func (w *fmWorld) labels(ids []string) string {
	var out []string
	for _, id := range ids {
		out = append(out, w.label(id))
	}
	return "[" + strings.Join(out, "; ") + "]"
}

// sameIDs reports a difference between the ids a path answered and the model's, in order.
func (w *fmWorld) sameIDs(what string, got, want []string) {
	w.t.Helper()
	if slices.Equal(got, want) {
		return
	}
	var extra, missing []string
	for _, id := range got {
		if !slices.Contains(want, id) {
			extra = append(extra, id)
		}
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			missing = append(missing, id)
		}
	}
	w.t.Errorf("%s:\n  extra (leaked): %s\n  missing: %s\n  got order: %s\n  want order: %s", what, w.labels(extra), w.labels(missing),
		w.labels(got), w.labels(want))
}

// pages reads a keyset-paginated list at a page size; each page's items are handed to add,
// which returns how many there were. Every page but the last is full.
func (w *fmWorld) pages(u *fmUser, path string, size int, add func(body []byte) (n int, next string)) bool {
	w.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	cursor := ""
	for range 1000 {
		status, body := w.do(u, "GET", path+sep+"limit="+strconv.Itoa(size)+"&cursor="+url.QueryEscape(cursor), nil)
		if status != 200 {
			w.t.Errorf("GET %s as %s (page size %d): %d\n%s", path, u.name, size, status, body)
			return false
		}
		n, next := add(body)
		if n > size || (next != "" && n != size) {
			w.t.Errorf("GET %s as %s: a page of %d items at page size %d (next cursor %q)", path, u.name, n, size, next)
		}
		if next == "" {
			return true
		}
		cursor = next
	}
	w.t.Errorf("GET %s as %s: more than 1000 pages", path, u.name)
	return false
}

func (w *fmWorld) check(when string) {
	w.settle()
	w.logf("--- check %s", when)
	for _, u := range w.users {
		for _, p := range w.projects {
			w.checkFeed(u, p)
			w.checkFilesTab(u, p)
		}
		w.checkDashboard(u)
		w.checkByID(u)
		w.checkNotifications(u)
	}
	w.checkMails()
	if w.t.Failed() {
		w.t.FailNow()
	}
}

// modelReplies are a thread's replies the user sees, oldest first.
func (w *fmWorld) modelReplies(u *fmUser, root *fmItem) []*fmItem {
	var out []*fmItem
	for _, it := range w.items {
		if it.root == root && w.visible(u, it) {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b *fmItem) int { return -fmNewestFirst(a.created, a.id, b.created, b.id) })
	return out
}

func (w *fmWorld) modelFiles(it *fmItem) []string {
	var fs []*fmFile
	for _, f := range it.files {
		if !f.deleted {
			fs = append(fs, f)
		}
	}
	slices.SortFunc(fs, func(a, b *fmFile) int { return -fmNewestFirst(a.created, a.id, b.created, b.id) })
	out := []string{}
	for _, f := range fs {
		out = append(out, f.id)
	}
	return out
}

func fmPostIDs(ps []fmPostOut) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func fmItemIDs(its []*fmItem) []string {
	out := []string{}
	for _, it := range its {
		out = append(out, it.id)
	}
	return out
}

func fmFileIDs(fs []fmFileOut) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}

// checkThread compares a thread as answered with the model: its replies and every post's
// flags and files.
func (w *fmWorld) checkThread(what string, u *fmUser, got fmThreadOut, root *fmItem) {
	w.t.Helper()
	replies := w.modelReplies(u, root)
	w.sameIDs(what+": replies of "+root.label, fmPostIDs(got.Replies), fmItemIDs(replies))
	w.checkPost(what, got.Post, root, true)
	for i := range min(len(got.Replies), len(replies)) {
		w.checkPost(what, got.Replies[i], replies[i], true)
	}
}

// checkPost compares a post's flags, and with files its attachments.
func (w *fmWorld) checkPost(what string, got fmPostOut, it *fmItem, files bool) {
	w.t.Helper()
	if got.ID != it.id {
		return
	}
	if got.Private != it.thread().private || got.Internal != it.internal || got.ThreadID != it.thread().id {
		w.t.Errorf("%s: %s answered private=%v internal=%v thread=%s", what, it.label, got.Private, got.Internal, got.ThreadID)
	}
	if files {
		w.sameIDs(what+": files of "+it.label, fmFileIDs(got.Files), w.modelFiles(it))
	}
}

func (w *fmWorld) checkFeed(u *fmUser, p *fmProject) {
	path := "/api/v1/projects/" + p.id + "/posts"
	if !w.takesPart(u, p) {
		if status, body := w.do(u, "GET", path, nil); status != 404 {
			w.t.Errorf("%s reads the feed of %s, which they do not take part in: %d\n%s", u.name, p.name, status, body)
		}
		return
	}
	var want []*fmItem
	for _, it := range w.items {
		if it.proj == p && it.root == nil && w.visible(u, it) {
			want = append(want, it)
		}
	}
	slices.SortFunc(want, func(a, b *fmItem) int { return fmNewestFirst(a.created, a.id, b.created, b.id) })
	for _, size := range fmPageSizes {
		var got []fmThreadOut
		ok := w.pages(u, path, size, func(body []byte) (int, string) {
			var pg struct {
				Items      []fmThreadOut `json:"items"`
				NextCursor string        `json:"next_cursor"`
			}
			json.Unmarshal(body, &pg)
			got = append(got, pg.Items...)
			return len(pg.Items), pg.NextCursor
		})
		if !ok {
			continue
		}
		what := fmt.Sprintf("feed of %s for %s at page size %d", p.name, u.name, size)
		var gotIDs []string
		for i, th := range got {
			gotIDs = append(gotIDs, th.Post.ID)
			if i > 0 && fmNewestFirst(got[i-1].Post.CreatedAt, got[i-1].Post.ID, th.Post.CreatedAt, th.Post.ID) >= 0 {
				w.t.Errorf("%s: thread %d is not older than the one before it (or repeats it)", what, i)
			}
		}
		w.sameIDs(what, gotIDs, fmItemIDs(want))
		for _, th := range got {
			if i := slices.IndexFunc(want, func(it *fmItem) bool { return it.id == th.Post.ID }); i >= 0 {
				w.checkThread(what, u, th, want[i])
			}
		}
	}
}

func (w *fmWorld) checkFilesTab(u *fmUser, p *fmProject) {
	path := "/api/v1/projects/" + p.id + "/files"
	if !w.takesPart(u, p) {
		if status, body := w.do(u, "GET", path, nil); status != 404 {
			w.t.Errorf("%s lists the files of %s, which they do not take part in: %d\n%s", u.name, p.name, status, body)
		}
		return
	}
	var want []*fmFile
	for _, f := range w.files {
		if f.post.proj == p && w.fileVisible(u, f) {
			want = append(want, f)
		}
	}
	slices.SortFunc(want, func(a, b *fmFile) int { return fmNewestFirst(a.created, a.id, b.created, b.id) })
	wantIDs := []string{}
	for _, f := range want {
		wantIDs = append(wantIDs, f.id)
	}
	for _, size := range []int{1, 2, 50} {
		got := []string{}
		if w.pages(u, path, size, func(body []byte) (int, string) {
			var pg struct {
				Items      []fmFileOut `json:"items"`
				NextCursor string      `json:"next_cursor"`
			}
			json.Unmarshal(body, &pg)
			got = append(got, fmFileIDs(pg.Items)...)
			return len(pg.Items), pg.NextCursor
		}) {
			w.sameIDs(fmt.Sprintf("Files tab of %s for %s at page size %d", p.name, u.name, size), got, wantIDs)
		}
	}
}

func (w *fmWorld) checkDashboard(u *fmUser) {
	var want []*fmItem
	for _, it := range w.items {
		if w.visible(u, it) {
			want = append(want, it)
		}
	}
	slices.SortFunc(want, func(a, b *fmItem) int { return fmNewestFirst(a.created, a.id, b.created, b.id) })
	for _, size := range fmPageSizes {
		var got []fmPostOut
		if !w.pages(u, "/api/v1/dashboard", size, func(body []byte) (int, string) {
			var pg struct {
				Items      []fmPostOut `json:"items"`
				NextCursor string      `json:"next_cursor"`
			}
			json.Unmarshal(body, &pg)
			got = append(got, pg.Items...)
			return len(pg.Items), pg.NextCursor
		}) {
			continue
		}
		what := fmt.Sprintf("dashboard of %s at page size %d", u.name, size)
		for i := 1; i < len(got); i++ {
			if fmNewestFirst(got[i-1].CreatedAt, got[i-1].ID, got[i].CreatedAt, got[i].ID) >= 0 {
				w.t.Errorf("%s: item %d is not older than the one before it (or repeats it)", what, i)
			}
		}
		w.sameIDs(what, fmPostIDs(got), fmItemIDs(want))
		for i := range min(len(got), len(want)) {
			if got[i].ID == want[i].id {
				w.checkPost(what, got[i], want[i], false) // dashboard items carry no attachments
				if got[i].ProjectID != want[i].proj.id {
					w.t.Errorf("%s: %s answered project %s", what, want[i].label, got[i].ProjectID)
				}
			}
		}
	}
}

// checkByID fetches every post, reply, thread's recipient list and file of the world (every
// project, both accounts, deleted ones) and an id that never existed: what the model shows
// answers 200, the rest 404.
func (w *fmWorld) checkByID(u *fmUser) {
	for _, it := range w.items {
		status, body := w.do(u, "GET", "/api/v1/posts/"+it.id, nil)
		w.count(fmt.Sprintf("check.item.visible=%v", w.visible(u, it)))
		if !w.visible(u, it) {
			if status != 404 {
				w.t.Errorf("%s fetches %s, which they may not see: %d\n%s", u.name, it.label, status, body)
			}
			continue
		}
		if status != 200 {
			w.t.Errorf("%s fetches %s: %d\n%s", u.name, it.label, status, body)
			continue
		}
		var th fmThreadOut
		json.Unmarshal(body, &th)
		if th.Post.ID != it.thread().id {
			w.t.Errorf("%s fetches %s: answered thread %s", u.name, it.label, th.Post.ID)
			continue
		}
		w.checkThread(u.name+" fetches "+it.label, u, th, it.thread())
	}
	// Who reads a thread: its recipients who still take part (none for a public thread).
	for _, it := range w.items {
		if it.root != nil {
			continue
		}
		status, body := w.do(u, "GET", "/api/v1/posts/"+it.id+"/recipients", nil)
		if !w.visible(u, it) {
			if status != 404 {
				w.t.Errorf("%s lists the recipients of %s, which they may not see: %d\n%s", u.name, it.label, status, body)
			}
			continue
		}
		var got []struct {
			UserID string `json:"user_id"`
		}
		json.Unmarshal(body, &got)
		gotIDs, want := []string{}, []string{}
		for _, r := range got {
			gotIDs = append(gotIDs, r.UserID)
		}
		client := it.proj.parts[u.id].side == domain.SideClient
		for _, v := range w.users {
			pv := it.proj.parts[v.id]
			if it.private && it.recipients[v.id] && pv != nil && !(client && pv.side == domain.SideProvider && pv.hidden) {
				want = append(want, v.id) // clients never learn of hidden provider people
			}
		}
		slices.Sort(gotIDs)
		slices.Sort(want)
		if status != 200 || !slices.Equal(gotIDs, want) {
			w.t.Errorf("%s lists the recipients of %s: %d %s, want %s", u.name, it.label, status, w.userNames(gotIDs), w.userNames(want))
		}
	}
	for _, f := range w.files {
		vis := w.fileVisible(u, f)
		w.count(fmt.Sprintf("check.file.visible=%v", vis))
		status, body := w.do(u, "GET", "/api/v1/files/"+f.id, nil)
		cstatus, content := w.do(u, "GET", "/api/v1/files/"+f.id+"/content", nil)
		switch {
		case !vis && (status != 404 || cstatus != 404):
			w.t.Errorf("%s fetches file %s of %s, which they may not see: %d, content %d\n%s", u.name, f.name, f.post.label, status, cstatus, body)
		case vis && (status != 200 || cstatus != 200 || !bytes.Equal(content, f.content)):
			w.t.Errorf("%s fetches file %s of %s: %d, content %d %q", u.name, f.name, f.post.label, status, cstatus, content)
		}
	}
	never := store.NewID()
	for _, path := range []string{"/api/v1/posts/" + never, "/api/v1/files/" + never, "/api/v1/files/" + never + "/content"} {
		if status, _ := w.do(u, "GET", path, nil); status != 404 {
			w.t.Errorf("GET %s (never existed) as %s: %d", path, u.name, status)
		}
	}
}

// checkNotifications: exactly the notifications the fan-out owed the user for items they may
// see now, with their read state; the unread count is the number of the unread ones.
func (w *fmWorld) checkNotifications(u *fmUser) {
	type key struct{ post, kind string }
	want := map[key]bool{} // → read
	unread := 0
	for _, n := range w.notes[u.id] {
		i := slices.IndexFunc(w.items, func(it *fmItem) bool { return it.id == n.postID })
		if !w.visible(u, w.items[i]) {
			continue
		}
		w.count("check.notification." + n.kind)
		want[key{n.postID, n.kind}] = n.read
		if !n.read {
			unread++
		}
	}
	for _, size := range []int{1, 50} {
		for _, unreadOnly := range []bool{false, true} {
			var got []fmNoteOut
			count := -1
			path := "/api/v1/notifications"
			if unreadOnly {
				path += "?unread=true"
			}
			if !w.pages(u, path, size, func(body []byte) (int, string) {
				var pg struct {
					Items       []fmNoteOut `json:"items"`
					NextCursor  string      `json:"next_cursor"`
					UnreadCount int         `json:"unread_count"`
				}
				json.Unmarshal(body, &pg)
				got = append(got, pg.Items...)
				count = pg.UnreadCount
				return len(pg.Items), pg.NextCursor
			}) {
				continue
			}
			what := fmt.Sprintf("notifications of %s (page size %d, unread only %v)", u.name, size, unreadOnly)
			if count != unread {
				w.t.Errorf("%s: unread count %d, want %d", what, count, unread)
			}
			seen := map[key]bool{}
			for i, n := range got {
				k := key{n.PostID, n.Kind}
				read, ok := want[k]
				switch {
				case seen[k]:
					w.t.Errorf("%s: %s %s twice", what, n.Kind, w.label(n.PostID))
				case !ok:
					w.t.Errorf("%s: %s about %s, which they may not see or were not to be told of", what, n.Kind, w.label(n.PostID))
				case read != (n.ReadAt != nil):
					w.t.Errorf("%s: %s about %s read=%v, want %v", what, n.Kind, w.label(n.PostID), n.ReadAt != nil, read)
				case unreadOnly && read:
					w.t.Errorf("%s: lists the read %s about %s", what, n.Kind, w.label(n.PostID))
				}
				seen[k] = true
				if i > 0 && fmNewestFirst(got[i-1].CreatedAt, got[i-1].ID, n.CreatedAt, n.ID) >= 0 {
					w.t.Errorf("%s: notification %d is not older than the one before it", what, i)
				}
			}
			for k, read := range want {
				if !seen[k] && !(unreadOnly && read) {
					w.t.Errorf("%s: missing %s about %s", what, k.kind, w.label(k.post))
				}
			}
		}
	}
}

var fmTokenRE = regexp.MustCompile(`\[fm:\d+\]`)

// checkMails: notification e-mails (instant, the default) went to exactly the people the
// fan-out notified — people who could see the post when it was written — one per notification.
func (w *fmWorld) checkMails() {
	byToken := map[string]*fmItem{}
	for _, it := range w.items {
		byToken[it.token] = it
	}
	byEmail := map[string]*fmUser{}
	for _, u := range w.users {
		byEmail[strings.ToLower(u.email)] = u
	}
	got := map[string][]string{} // user id → the post of each e-mail
	for _, m := range w.srv.SMTP.Messages() {
		toks := slices.Compact(fmTokenRE.FindAllString(m.Text, -1))
		if len(toks) == 0 {
			continue
		}
		it := byToken[toks[0]]
		if len(toks) > 1 || it == nil {
			w.t.Errorf("an e-mail about %v:\n%s", toks, m.Text)
			continue
		}
		for _, to := range m.To {
			u := byEmail[strings.ToLower(to)]
			if u == nil {
				w.t.Errorf("an e-mail about %s to %s, who is nobody of this world", it.label, to)
				continue
			}
			got[u.id] = append(got[u.id], it.id)
		}
	}
	for _, u := range w.users {
		want := []string{}
		for _, n := range w.notes[u.id] {
			want = append(want, n.postID)
		}
		slices.Sort(want)
		slices.Sort(got[u.id])
		w.count("check.mails")
		w.sameIDs("notification e-mails to "+u.name, got[u.id], want)
	}
}

// ---------------------------------------------------------------------------------------------
// The SSE stream.

type fmStream struct {
	u         *fmUser
	mu        sync.Mutex
	ids       []string
	connected chan struct{}
	done      chan struct{}
	cancel    context.CancelFunc
}

func (s *fmStream) got() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ids)
}

func (w *fmWorld) subscribe(u *fmUser, p *fmProject) *fmStream {
	ctx, cancel := context.WithTimeout(w.t.Context(), 30*time.Second)
	s := &fmStream{u: u, connected: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	w.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", w.srv.URL+"/api/v1/projects/"+p.id+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+u.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.fatalf("subscribe %s to %s: %v", u.name, p.name, err)
	}
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		w.fatalf("subscribe %s to %s: %d %s", u.name, p.name, resp.StatusCode, b)
	}
	go func() {
		defer close(s.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		event, connected := "", false
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == ": connected" && !connected:
				connected = true
				close(s.connected)
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "post":
				var e struct {
					ID string `json:"id"`
				}
				json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e)
				s.mu.Lock()
				s.ids = append(s.ids, e.ID)
				s.mu.Unlock()
			case line == "":
				event = ""
			}
		}
	}()
	select {
	case <-s.connected:
	case <-time.After(10 * time.Second):
		w.fatalf("the stream of %s on %s did not connect", u.name, p.name)
	}
	return s
}

// checkStream subscribes people to a project's events: a client, a provider, the creator, and
// (when the project has them) someone about to be removed or deactivated and a provider about
// to be moved to the client side. The creator then writes a public post, a private post to
// provider-only recipients and an internal reply. Each stream must carry exactly the ids its
// user may see — as they stand now, not as they stood when the stream opened.
func (w *fmWorld) checkStream() {
	var p *fmProject
	var client, provider *fmUser
	for _, q := range w.projects {
		for _, u := range w.participantsOf(q) {
			switch {
			case !w.takesPart(u, q) || u == q.creator:
			case q.parts[u.id].side == domain.SideClient && client == nil:
				client = u
			case q.parts[u.id].side == domain.SideProvider && provider == nil:
				provider = u
			}
		}
		if client != nil && provider != nil {
			p = q
			break
		}
		client, provider = nil, nil
	}
	if p == nil {
		w.logf("--- no project with an active client and provider for the stream check")
		return
	}
	w.logf("--- stream of %s: client %s, provider %s", p.name, client.name, provider.name)
	streams := []*fmStream{w.subscribe(p.creator, p), w.subscribe(client, p), w.subscribe(provider, p)}
	var gone, mover *fmUser
	for _, u := range w.changeable(p, false) {
		switch {
		case u == client || u == provider || !w.takesPart(u, p):
		case gone == nil:
			gone = u
		case mover == nil && p.parts[u.id].side == domain.SideProvider && u.member[p.accountID] != nil:
			mover = u
		}
	}
	if gone != nil {
		streams = append(streams, w.subscribe(gone, p))
	}
	if mover != nil {
		streams = append(streams, w.subscribe(mover, p))
	}
	switch {
	case gone == nil:
	case gone.member[p.accountID] != nil && w.rng.IntN(2) == 0:
		a := w.accounts[slices.IndexFunc(w.accounts, func(a *fmAccount) bool { return a.id == p.accountID })]
		w.logf("%s deactivates %s while subscribed to %s", a.admin.name, gone.name, p.name)
		w.must(a.admin, 200, "PATCH", "/api/v1/accounts/"+a.id+"/members/"+gone.member[a.id].id, map[string]any{"active": false}, nil)
		gone.member[a.id].active = false
	default:
		w.logf("%s removes %s from %s while subscribed", p.creator.name, gone.name, p.name)
		w.must(p.creator, 200, "PATCH", "/api/v1/projects/"+p.id+"/participants", map[string]any{"revision": w.participantsRevision(p),
			"changes": []map[string]any{{"user_id": gone.id, "remove": true}}}, nil)
		w.removed = append(w.removed, fmRemoved{proj: p, user: gone, part: *p.parts[gone.id]})
		delete(p.parts, gone.id)
	}
	if mover != nil {
		w.logf("%s moves %s to the client side of %s while subscribed", p.creator.name, mover.name, p.name)
		w.must(p.creator, 200, "PATCH", "/api/v1/projects/"+p.id+"/participants", map[string]any{"revision": w.participantsRevision(p),
			"changes": []map[string]any{{"user_id": mover.id, "side": domain.SideClient, "level": domain.PLEditTasks, "access": fmAccess(true)}}}, nil)
		p.parts[mover.id] = &fmPart{side: domain.SideClient, level: domain.PLEditTasks, post: true}
	}
	before := len(w.items)
	author := p.creator
	var out fmThreadOut
	tok := w.newToken()
	w.must(author, 201, "POST", "/api/v1/projects/"+p.id+"/posts", map[string]any{"body": "stream: public " + tok, "private": false}, &out)
	public := &fmItem{proj: p, author: author, token: tok}
	w.record(public, out.Post, nil, nil)
	recipients := map[string]bool{author.id: true}
	for _, u := range w.participantsOf(p) {
		if p.parts[u.id].side == domain.SideProvider && u != author {
			recipients[u.id] = true
		}
	}
	tok = w.newToken()
	w.must(author, 201, "POST", "/api/v1/projects/"+p.id+"/posts", map[string]any{"body": "stream: providers only " + tok, "private": true,
		"recipient_ids": slices.Collect(maps.Keys(recipients))}, &out)
	w.record(&fmItem{proj: p, author: author, private: true, recipients: recipients, token: tok}, out.Post, nil, nil)
	var reply fmPostOut
	tok = w.newToken()
	w.must(author, 201, "POST", "/api/v1/posts/"+public.id+"/replies", map[string]any{"body": "stream: internal " + tok, "internal": true}, &reply)
	w.record(&fmItem{proj: p, root: public, author: author, internal: true, token: tok}, reply, nil, nil)
	w.settle()
	fresh := w.items[before:]
	want := func(s *fmStream) []string {
		var out []string
		for _, it := range fresh {
			if w.visible(s.u, it) {
				out = append(out, it.id)
			}
		}
		return out
	}
	// The creator sees all three: wait for them, then a little for anything that should not come.
	deadline := time.Now().Add(10 * time.Second)
	for len(streams[0].got()) < len(want(streams[0])) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	for _, s := range streams {
		s.cancel()
		<-s.done
		got := s.got()
		wantIDs := want(s)
		slices.Sort(got)
		slices.Sort(wantIDs)
		w.count(fmt.Sprintf("check.stream.events=%d", len(wantIDs)))
		w.sameIDs("stream of "+p.name+" for "+s.u.name, got, wantIDs)
	}
	if w.t.Failed() {
		w.t.FailNow()
	}
}

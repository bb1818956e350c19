package app

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// Viewer is what the store filters posts, files and notifications on for this actor, derived
// from the access layer.
func (pa *ProjectActor) Viewer() store.Viewer {
	return store.Viewer{UserID: pa.UserID, SeeInternal: access.PostScope(&pa.Subject)}
}

// postFacts describes a post for a decision about it.
func (pa *ProjectActor) postFacts(p *domain.Post, recipient bool) access.Facts {
	f := pa.Facts()
	f.Own = p.AuthorID == pa.UserID
	f.Private, f.Recipient, f.Internal = p.Private, recipient || !p.Private, p.Internal
	return f
}

// PostInput is a new root post.
type PostInput struct {
	Body       string
	Private    *bool         // nil: the project's default, else the account's
	Recipients []string      // user ids; a private post needs at least one besides the author
	Mentions   []string      // user ids; people who may not see the post are dropped, never notified
	Files      []domain.File // staged with StageUpload
	TaskID     string        // link the post to a task of the project
}

// ReplyInput is a new reply.
type ReplyInput struct {
	Body     string
	Internal bool
	Mentions []string
	Files    []domain.File // staged with StageUpload
}

// DefaultPrivacy is the privacy the composer preselects.
func (pa *ProjectActor) DefaultPrivacy() domain.PostPrivacy {
	if p := pa.Project().Settings.DefaultPostPrivacy; p != "" {
		return p
	}
	return pa.Account().Settings.DefaultPostPrivacy
}

func validateBody(v *domain.Validator, body string, files int) string {
	body = strings.TrimSpace(body)
	v.Check(body != "" || files > 0, "body", "write something or attach a file")
	v.Check(utf8.RuneCountInString(body) <= domain.MaxPostLen, "body", "must be at most 20000 characters")
	return body
}

// CreatePost writes a root post to the project's feed. Needs Post to Activity Feed (and for
// attachments, Attach); recipients must take part in the project.
func (a *App) CreatePost(ctx context.Context, pa *ProjectActor, in PostInput) (*domain.Post, error) {
	if err := pa.Require(access.WritePost, pa.Facts(), true); err != nil {
		a.DiscardUploads(ctx, in.Files)
		return nil, err
	}
	return a.createPost(ctx, pa, in, true)
}

// createPost writes a root post; attachments need Attach unless the Files tab (an Edit level)
// brought them. Staged files of a post that is not written are discarded.
func (a *App) createPost(ctx context.Context, pa *ProjectActor, in PostInput, attach bool) (*domain.Post, error) {
	p, err := a.writePost(ctx, pa, in, attach)
	if err != nil {
		a.DiscardUploads(ctx, in.Files)
	}
	return p, err
}

func (a *App) writePost(ctx context.Context, pa *ProjectActor, in PostInput, attach bool) (*domain.Post, error) {
	if attach && len(in.Files) > 0 {
		if err := pa.Require(access.AttachFile, pa.Facts(), true); err != nil {
			return nil, err
		}
	}
	private := pa.DefaultPrivacy() == domain.PostPrivate
	if in.Private != nil {
		private = *in.Private
	}
	var v domain.Validator
	body := validateBody(&v, in.Body, len(in.Files))
	people, err := a.participantSet(ctx, pa)
	if err != nil {
		return nil, err
	}
	recipients := uniqueExcept(in.Recipients, pa.UserID)
	for _, r := range recipients {
		v.Check(people[r] != nil, "recipients", "everyone you write to must take part in the project")
	}
	if private && len(recipients) == 0 {
		v.Add("recipients", "choose at least one recipient for a private post")
	}
	if !private && len(recipients) > 0 {
		v.Add("recipients", "a public post goes to everyone; make it private to choose recipients")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.TaskID != "" {
		if _, err := a.TaskForActor(ctx, pa, in.TaskID); err != nil {
			return nil, domain.Invalid(domain.FieldError{Field: "task_id", Message: "must be a task of this project"})
		}
	}
	p := &domain.Post{AccountID: pa.Project().AccountID, ProjectID: pa.Project().ID, AuthorID: pa.UserID, Kind: domain.PostKindPost,
		Body: body, Private: private, TaskID: in.TaskID}
	audience := func(userID string) bool {
		return !private || slices.Contains(recipients, userID) || userID == pa.UserID
	}
	p.Mentions = visibleMentions(in.Mentions, people, audience, false)
	if err := a.Store.CreatePost(ctx, store.NewPost{Post: p, Recipients: recipients, Files: in.Files, Notify: true}); err != nil {
		return nil, err
	}
	a.Worker.Wake()
	return p, nil
}

// CreateReply adds a reply to a thread the actor can read. An internal reply is provider-only.
func (a *App) CreateReply(ctx context.Context, pa *ProjectActor, threadID string, in ReplyInput) (*domain.Post, error) {
	p, err := a.createReply(ctx, pa, threadID, in)
	if err != nil {
		a.DiscardUploads(ctx, in.Files)
	}
	return p, err
}

func (a *App) createReply(ctx context.Context, pa *ProjectActor, threadID string, in ReplyInput) (*domain.Post, error) {
	root, err := a.Store.FindPost(ctx, threadID, pa.Viewer())
	if err != nil || !root.IsRoot() || root.ProjectID != pa.Project().ID {
		return nil, domain.NotFound("post")
	}
	f := pa.postFacts(root, true)
	need := access.WritePost
	if in.Internal {
		need = access.WriteInternalReply
	}
	if err := pa.Require(need, f, true); err != nil {
		return nil, err
	}
	if len(in.Files) > 0 {
		if err := pa.Require(access.AttachFile, f, true); err != nil {
			return nil, err
		}
	}
	var v domain.Validator
	body := validateBody(&v, in.Body, len(in.Files))
	if err := v.Err(); err != nil {
		return nil, err
	}
	people, err := a.participantSet(ctx, pa)
	if err != nil {
		return nil, err
	}
	var recipients []string
	if root.Private {
		if recipients, err = a.Store.FindRecipients(ctx, root.AccountID, root.ID); err != nil {
			return nil, err
		}
	}
	audience := func(userID string) bool { return !root.Private || slices.Contains(recipients, userID) }
	p := &domain.Post{AccountID: root.AccountID, ProjectID: root.ProjectID, ThreadID: root.ID, AuthorID: pa.UserID,
		Kind: domain.PostKindReply, Body: body, Internal: in.Internal}
	p.Mentions = visibleMentions(in.Mentions, people, audience, in.Internal)
	if err := a.Store.CreatePost(ctx, store.NewPost{Post: p, Files: in.Files, Notify: true}); err != nil {
		return nil, err
	}
	a.Worker.Wake()
	return p, nil
}

// participantSet maps the project's participants by user id.
func (a *App) participantSet(ctx context.Context, pa *ProjectActor) (map[string]*domain.Participant, error) {
	all, err := a.Store.FindParticipants(ctx, pa.Project().AccountID, pa.Project().ID)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*domain.Participant, len(all))
	for i := range all {
		out[all[i].UserID] = &all[i]
	}
	return out, nil
}

// visibleMentions keeps the mentioned people who take part and may see the post.
func visibleMentions(ids []string, people map[string]*domain.Participant, audience func(string) bool, internal bool) []string {
	var out []string
	for _, id := range ids {
		p := people[id]
		if p == nil || !audience(id) || (internal && p.Side == domain.SideClient) || slices.Contains(out, id) {
			continue
		}
		out = append(out, id)
	}
	return out
}

func uniqueExcept(ids []string, except string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && id != except && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Feed returns a page of the project's threads the actor may see.
func (a *App) Feed(ctx context.Context, pa *ProjectActor, cursor string, limit int) (*store.FeedPage, error) {
	if err := pa.Require(access.ReadPublicPosts, pa.Facts(), false); err != nil {
		return nil, err
	}
	return a.Store.FindFeed(ctx, pa.Project().AccountID, pa.Project().ID, pa.Viewer(), cursor, limit)
}

// Thread returns one thread the actor may see.
func (a *App) Thread(ctx context.Context, pa *ProjectActor, id string) (*store.Thread, error) {
	t, err := a.Store.FindThread(ctx, id, pa.Viewer())
	if err != nil || t.Root.ProjectID != pa.Project().ID {
		return nil, domain.NotFound("post")
	}
	return t, nil
}

// ThreadRecipients lists the people of a private thread the actor can read.
func (a *App) ThreadRecipients(ctx context.Context, pa *ProjectActor, t *store.Thread) ([]domain.Participant, error) {
	if !t.Root.Private {
		return nil, nil
	}
	ids, err := a.Store.FindRecipients(ctx, t.Root.AccountID, t.Root.ID)
	if err != nil {
		return nil, err
	}
	people, err := a.participantSet(ctx, pa)
	if err != nil {
		return nil, err
	}
	var out []domain.Participant
	for _, id := range ids {
		// Hidden provider people do not exist for clients, even where they are recipients
		// (a client's progress update on a task they are assigned to).
		if p := people[id]; p != nil && !(pa.IsClient() && p.Hidden) {
			out = append(out, *p)
		}
	}
	return out, nil
}

// PostForActor loads a post the actor can see, in this project.
func (a *App) PostForActor(ctx context.Context, pa *ProjectActor, id string) (*domain.Post, error) {
	p, err := a.Store.FindPost(ctx, id, pa.Viewer())
	if err != nil || p.ProjectID != pa.Project().ID {
		return nil, domain.NotFound("post")
	}
	return p, nil
}

// EditPost replaces the text of the actor's own post.
func (a *App) EditPost(ctx context.Context, pa *ProjectActor, id, body string) (*domain.Post, error) {
	p, err := a.PostForActor(ctx, pa, id)
	if err != nil {
		return nil, err
	}
	if err := pa.Require(access.EditPost, pa.postFacts(p, true), true); err != nil {
		return nil, err
	}
	var v domain.Validator
	body = validateBody(&v, body, len(p.Files))
	if err := v.Err(); err != nil {
		return nil, err
	}
	if err := a.Store.UpdatePostBody(ctx, p.AccountID, p.ID, body); err != nil {
		return nil, err
	}
	return a.PostForActor(ctx, pa, id)
}

// DeletePost deletes a post (a root takes its thread along): the author, or a provider Project
// Administrator.
func (a *App) DeletePost(ctx context.Context, pa *ProjectActor, id string) error {
	p, err := a.PostForActor(ctx, pa, id)
	if err != nil {
		return err
	}
	if err := pa.Require(access.DeletePost, pa.postFacts(p, true), true); err != nil {
		return err
	}
	if err := a.Store.DeletePost(ctx, p.AccountID, p.ID); err != nil {
		return err
	}
	a.Worker.Wake()
	return nil
}

// SetPinned pins or unpins a thread (Project Administrators).
func (a *App) SetPinned(ctx context.Context, pa *ProjectActor, id string, pinned bool) error {
	p, err := a.PostForActor(ctx, pa, id)
	if err != nil {
		return err
	}
	if !p.IsRoot() {
		return domain.Invalid(domain.FieldError{Field: "post", Message: "only a thread's first post can be pinned"})
	}
	if err := pa.Require(access.PinPost, pa.postFacts(p, true), true); err != nil {
		return err
	}
	return a.Store.SetPinned(ctx, p.AccountID, p.ID, pinned)
}

// AddRecipients adds participants to a private thread the actor is in; they will see the whole
// thread (but never its internal replies unless they are on the provider side).
func (a *App) AddRecipients(ctx context.Context, pa *ProjectActor, threadID string, users []string) ([]string, error) {
	root, err := a.PostForActor(ctx, pa, threadID)
	if err != nil {
		return nil, err
	}
	if !root.IsRoot() || !root.Private {
		return nil, domain.Invalid(domain.FieldError{Field: "post", Message: "only private threads have recipients"})
	}
	if err := pa.Require(access.AddRecipients, pa.postFacts(root, true), true); err != nil {
		return nil, err
	}
	people, err := a.participantSet(ctx, pa)
	if err != nil {
		return nil, err
	}
	users = uniqueExcept(users, "")
	var v domain.Validator
	v.Check(len(users) > 0, "user_ids", "name at least one person")
	for _, u := range users {
		v.Check(people[u] != nil, "user_ids", "everyone added must take part in the project")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	added, err := a.Store.AddRecipients(ctx, root.AccountID, root.ID, users)
	if err == nil {
		a.Worker.Wake()
	}
	return added, err
}

// MentionCandidates lists who the composer may suggest for a post with this audience: people
// who would see it. For a reply, threadID names the thread; internal replies suggest the
// provider side only.
func (a *App) MentionCandidates(ctx context.Context, pa *ProjectActor, threadID string, internal bool) ([]domain.Participant, error) {
	people, err := a.participantSet(ctx, pa)
	if err != nil {
		return nil, err
	}
	var recipients []string
	if threadID != "" {
		root, err := a.PostForActor(ctx, pa, threadID)
		if err != nil {
			return nil, err
		}
		if root.Private {
			if recipients, err = a.Store.FindRecipients(ctx, root.AccountID, root.ID); err != nil {
				return nil, err
			}
		}
	}
	var out []domain.Participant
	for _, p := range people {
		if p.UserID == pa.UserID || (internal && p.Side == domain.SideClient) || (recipients != nil && !slices.Contains(recipients, p.UserID)) {
			continue
		}
		if pa.IsClient() && p.Hidden {
			continue
		}
		out = append(out, *p)
	}
	slices.SortFunc(out, func(x, y domain.Participant) int { return strings.Compare(x.FullName(), y.FullName()) })
	return out, nil
}

// TaskPosts lists the posts linked to a task that the actor may see.
func (a *App) TaskPosts(ctx context.Context, pa *ProjectActor, taskID string) ([]domain.Post, error) {
	return a.Store.FindTaskPosts(ctx, pa.Project().AccountID, taskID, pa.Viewer())
}

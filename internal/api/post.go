package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

type authorOut struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

type fileOut struct {
	ID          string    `json:"id"`
	PostID      string    `json:"post_id"`
	ThreadID    string    `json:"thread_id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	CreatedAt   time.Time `json:"created_at"`
	URL         string    `json:"url" doc:"the contents (add ?download=1 to save)"`
}

type postOut struct {
	ID         string     `json:"id"`
	ThreadID   string     `json:"thread_id"`
	Kind       string     `json:"kind" enum:"post,reply,system"`
	Author     authorOut  `json:"author"`
	Body       string     `json:"body"`
	Private    bool       `json:"private"`
	Internal   bool       `json:"internal,omitempty" doc:"provider-only reply; clients never receive these"`
	Pinned     bool       `json:"pinned,omitempty"`
	TaskID     string     `json:"task_id,omitempty"`
	MentionIDs []string   `json:"mention_ids,omitempty"`
	Files      []fileOut  `json:"files"`
	CreatedAt  time.Time  `json:"created_at"`
	EditedAt   *time.Time `json:"edited_at,omitempty"`
}

type threadOut struct {
	Post    postOut   `json:"post"`
	Replies []postOut `json:"replies"`
}

func fileView(f domain.File) fileOut {
	return fileOut{f.ID, f.PostID, f.ThreadID, f.Name, f.ContentType, f.Size, f.CreatedAt, "/api/v1/files/" + f.ID + "/content"}
}

func postView(p domain.Post) postOut {
	out := postOut{ID: p.ID, ThreadID: p.ThreadID, Kind: p.Kind, Author: authorOut{p.AuthorID, p.AuthorName}, Body: p.Body,
		Private: p.Private, Internal: p.Internal, Pinned: p.Pinned, TaskID: p.TaskID, MentionIDs: p.Mentions, CreatedAt: p.CreatedAt, EditedAt: p.EditedAt, Files: []fileOut{}}
	for _, f := range p.Files {
		out.Files = append(out.Files, fileView(f))
	}
	return out
}

func threadView(t store.Thread) threadOut {
	out := threadOut{Post: postView(t.Root), Replies: []postOut{}}
	for _, r := range t.Replies {
		out.Replies = append(out.Replies, postView(r))
	}
	return out
}

type feedInput struct {
	ProjectPath
	PageQuery
}

type feedOut struct {
	Items      []threadOut `json:"items"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// PostPath names a post.
type PostPath struct {
	Post string `path:"post" maxLength:"64"`
}

type createPostInput struct {
	ProjectPath
	Body struct {
		Body         string   `json:"body" maxLength:"20000"`
		Private      *bool    `json:"private,omitempty" doc:"default: the project's, else the account's default privacy"`
		RecipientIDs []string `json:"recipient_ids,omitempty" maxItems:"500" doc:"a private post's recipients (user ids of participants)"`
		MentionIDs   []string `json:"mention_ids,omitempty" maxItems:"100" doc:"people to notify by name; those who may not see the post are ignored"`
		TaskID       string   `json:"task_id,omitempty" maxLength:"64" doc:"link the post to a task of the project"`
	}
}

type createReplyInput struct {
	PostPath
	Body struct {
		Body       string   `json:"body" maxLength:"20000"`
		Internal   bool     `json:"internal,omitempty" doc:"provider-only: clients never see it, even if added to the thread later"`
		MentionIDs []string `json:"mention_ids,omitempty" maxItems:"100"`
	}
}

type editPostInput struct {
	PostPath
	Body struct {
		Body string `json:"body" maxLength:"20000"`
	}
}

type recipientsInput struct {
	PostPath
	Body struct {
		UserIDs []string `json:"user_ids" minItems:"1" maxItems:"500" doc:"they will see the whole thread"`
	}
}

type pinInput struct {
	PostPath
	Body struct {
		Pinned bool `json:"pinned"`
	}
}

type recipientOut struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Side   string `json:"side"`
}

// postActor loads the caller in the project of a post (or file) named by id alone.
func (h *Handler) postActor(ctx context.Context, kind, id string) (*app.ProjectActor, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	projectID, err := h.app.Store.FindPostProject(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	return h.app.ProjectActor(ctx, p, projectID)
}

func (h *Handler) registerPosts(api huma.API) {
	huma.Register(api, op("list-posts", http.MethodGet, "/api/v1/projects/{project}/posts", "The project's activity feed: threads the caller may see, newest first", "feed"),
		func(ctx context.Context, in *feedInput) (*struct{ Body feedOut }, error) {
			pa, err := h.projectActor(ctx, in.ProjectPath)
			if err != nil {
				return nil, h.fail(err)
			}
			pg, err := h.app.Feed(ctx, pa, in.Cursor, in.Limit)
			if err != nil {
				return nil, h.fail(err)
			}
			out := feedOut{Items: []threadOut{}, NextCursor: pg.Next}
			for _, t := range pg.Threads {
				out.Items = append(out.Items, threadView(t))
			}
			return &struct{ Body feedOut }{out}, nil
		})
	huma.Register(api, created(op("create-post", http.MethodPost, "/api/v1/projects/{project}/posts", "Write a post, public or private (needs Post to Activity Feed)", "feed")), func(ctx context.Context, in *createPostInput) (*struct{ Body threadOut }, error) {
		pa, err := h.projectActor(ctx, in.ProjectPath)
		if err != nil {
			return nil, h.fail(err)
		}
		b := in.Body
		p, err := h.app.CreatePost(ctx, pa, app.PostInput{Body: b.Body, Private: b.Private, Recipients: b.RecipientIDs, Mentions: b.MentionIDs, TaskID: b.TaskID})
		if err != nil {
			return nil, h.fail(err)
		}
		return h.threadResponse(ctx, pa, p.ThreadID)
	})
	huma.Register(api, op("get-post", http.MethodGet, "/api/v1/posts/{post}", "A thread (or the thread of a reply) as the caller may see it", "feed"),
		func(ctx context.Context, in *PostPath) (*struct{ Body threadOut }, error) {
			pa, err := h.postActor(ctx, "post", in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			p, err := h.app.PostForActor(ctx, pa, in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			return h.threadResponse(ctx, pa, p.ThreadID)
		})
	huma.Register(api, created(op("create-reply", http.MethodPost, "/api/v1/posts/{post}/replies", "Reply in a thread, optionally internal (provider side)", "feed")), func(ctx context.Context, in *createReplyInput) (*struct{ Body postOut }, error) {
		pa, err := h.postActor(ctx, "post", in.Post)
		if err != nil {
			return nil, h.fail(err)
		}
		b := in.Body
		p, err := h.app.CreateReply(ctx, pa, in.Post, app.ReplyInput{Body: b.Body, Internal: b.Internal, Mentions: b.MentionIDs})
		if err != nil {
			return nil, h.fail(err)
		}
		saved, err := h.app.PostForActor(ctx, pa, p.ID)
		if err != nil {
			return nil, h.fail(err)
		}
		return &struct{ Body postOut }{postView(*saved)}, nil
	})
	huma.Register(api, op("edit-post", http.MethodPatch, "/api/v1/posts/{post}", "Edit your own post", "feed"),
		func(ctx context.Context, in *editPostInput) (*struct{ Body postOut }, error) {
			pa, err := h.postActor(ctx, "post", in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			p, err := h.app.EditPost(ctx, pa, in.Post, in.Body.Body)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body postOut }{postView(*p)}, nil
		})
	huma.Register(api, op("delete-post", http.MethodDelete, "/api/v1/posts/{post}", "Delete a post (yours, or any as provider Project Administrator); a thread's first post takes the thread along", "feed"),
		func(ctx context.Context, in *PostPath) (*struct{}, error) {
			pa, err := h.postActor(ctx, "post", in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.DeletePost(ctx, pa, in.Post))
		})
	huma.Register(api, op("pin-post", http.MethodPut, "/api/v1/posts/{post}/pin", "Pin or unpin a thread (Project Administrators)", "feed"),
		func(ctx context.Context, in *pinInput) (*struct{}, error) {
			pa, err := h.postActor(ctx, "post", in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.SetPinned(ctx, pa, in.Post, in.Body.Pinned))
		})
	huma.Register(api, op("list-recipients", http.MethodGet, "/api/v1/posts/{post}/recipients", "Who reads a private thread", "feed"),
		func(ctx context.Context, in *PostPath) (*struct{ Body []recipientOut }, error) {
			pa, err := h.postActor(ctx, "post", in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			t, err := h.app.Thread(ctx, pa, in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			people, err := h.app.ThreadRecipients(ctx, pa, t)
			if err != nil {
				return nil, h.fail(err)
			}
			out := []recipientOut{}
			for _, p := range people {
				out = append(out, recipientOut{p.UserID, p.FullName(), string(p.Side)})
			}
			return &struct{ Body []recipientOut }{out}, nil
		})
	huma.Register(api, op("add-recipients", http.MethodPost, "/api/v1/posts/{post}/recipients", "Add people to a private thread: they see the whole thread", "feed"),
		func(ctx context.Context, in *recipientsInput) (*struct{ Body []string }, error) {
			pa, err := h.postActor(ctx, "post", in.Post)
			if err != nil {
				return nil, h.fail(err)
			}
			added, err := h.app.AddRecipients(ctx, pa, in.Post, in.Body.UserIDs)
			if err != nil {
				return nil, h.fail(err)
			}
			if added == nil {
				added = []string{}
			}
			return &struct{ Body []string }{added}, nil
		})
}

func (h *Handler) threadResponse(ctx context.Context, pa *app.ProjectActor, threadID string) (*struct{ Body threadOut }, error) {
	t, err := h.app.Thread(ctx, pa, threadID)
	if err != nil {
		return nil, h.fail(err)
	}
	return &struct{ Body threadOut }{threadView(*t)}, nil
}

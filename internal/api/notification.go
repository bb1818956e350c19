package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/domain"
)

type notificationOut struct {
	ID          string     `json:"id"`
	Kind        string     `json:"kind" enum:"post,reply,mention,system,recipient"`
	ProjectID   string     `json:"project_id"`
	ProjectName string     `json:"project_name"`
	PostID      string     `json:"post_id"`
	ThreadID    string     `json:"thread_id"`
	ActorName   string     `json:"actor_name"`
	Excerpt     string     `json:"excerpt"`
	CreatedAt   time.Time  `json:"created_at"`
	ReadAt      *time.Time `json:"read_at,omitempty"`
}

type notificationsInput struct {
	PageQuery
	Unread bool `query:"unread" doc:"only unread ones"`
}

type notificationsPage struct {
	Items       []notificationOut `json:"items"`
	NextCursor  string            `json:"next_cursor,omitempty"`
	UnreadCount int               `json:"unread_count"`
}

type markReadInput struct {
	Body struct {
		IDs []string `json:"ids,omitempty" maxItems:"200" doc:"empty: mark all read"`
	}
}

type prefsBody struct {
	Email string `json:"email" enum:"instant,daily,off"`
	Muted bool   `json:"muted"`
}

type prefsInput struct {
	Project string `query:"project" maxLength:"64" doc:"a project id, or empty for your default"`
	Body    prefsBody
}

type activityItemOut struct {
	postOut
	ProjectID   string `json:"project_id"`
	ProjectName string `json:"project_name"`
}

type activityPage struct {
	Items      []activityItemOut `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

func notificationView(n domain.Notification) notificationOut {
	return notificationOut{n.ID, n.Kind, n.ProjectID, n.ProjectName, n.PostID, n.ThreadID, n.ActorName, n.Excerpt, n.CreatedAt, n.ReadAt}
}

func (h *Handler) registerNotifications(api huma.API) {
	huma.Register(api, op("list-notifications", http.MethodGet, "/api/v1/notifications", "Your notifications, newest first", "notifications"),
		func(ctx context.Context, in *notificationsInput) (*struct{ Body notificationsPage }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			ns, next, err := h.app.Notifications(ctx, p, in.Cursor, in.Limit, in.Unread)
			if err != nil {
				return nil, h.fail(err)
			}
			unread, err := h.app.UnreadCount(ctx, p)
			if err != nil {
				return nil, h.fail(err)
			}
			out := notificationsPage{Items: []notificationOut{}, NextCursor: next, UnreadCount: unread}
			for _, n := range ns {
				out.Items = append(out.Items, notificationView(n))
			}
			return &struct{ Body notificationsPage }{out}, nil
		})
	huma.Register(api, op("mark-notifications-read", http.MethodPost, "/api/v1/notifications/read", "Mark notifications read", "notifications"),
		func(ctx context.Context, in *markReadInput) (*struct{}, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			return nil, h.failOrNil(h.app.MarkRead(ctx, p, in.Body.IDs))
		})
	huma.Register(api, op("get-notification-settings", http.MethodGet, "/api/v1/me/notification-settings", "Your e-mail and mute settings, for a project or by default", "notifications"),
		func(ctx context.Context, in *struct {
			Project string `query:"project" maxLength:"64"`
		}) (*struct{ Body prefsBody }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			if in.Project != "" {
				if _, err := h.app.ProjectActor(ctx, p, in.Project); err != nil {
					return nil, h.fail(err)
				}
			}
			pr, err := h.app.Store.FindNotificationPrefs(ctx, p.User.ID, in.Project)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body prefsBody }{prefsBody{pr.Email, pr.Muted}}, nil
		})
	huma.Register(api, op("save-notification-settings", http.MethodPut, "/api/v1/me/notification-settings", "Set e-mail (instant, daily, off) and mute, for a project or by default", "notifications"),
		func(ctx context.Context, in *prefsInput) (*struct{ Body prefsBody }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			if err := h.app.SaveNotificationPrefs(ctx, p, in.Project, in.Body.Email, in.Body.Muted); err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body prefsBody }{in.Body}, nil
		})
	huma.Register(api, op("dashboard", http.MethodGet, "/api/v1/dashboard", "Recent activity across your projects, newest first", "notifications"),
		func(ctx context.Context, in *PageQuery) (*struct{ Body activityPage }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			items, next, err := h.app.Store.FindActivity(ctx, p.User.ID, in.Cursor, in.Limit)
			if err != nil {
				return nil, h.fail(err)
			}
			out := activityPage{Items: []activityItemOut{}, NextCursor: next}
			for _, it := range items {
				out.Items = append(out.Items, activityItemOut{postView(it.Post), it.ProjectID, it.ProjectName})
			}
			return &struct{ Body activityPage }{out}, nil
		})
}

package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/reqctx"
)

// heartbeat keeps idle streams open through proxies.
const heartbeat = 25 * time.Second

type streamEvent struct {
	Kind     string `json:"kind"`
	ID       string `json:"id,omitempty"`
	ThreadID string `json:"thread_id,omitempty"`
	Unread   *int   `json:"unread,omitempty"`
}

// ProjectStream serves Server-Sent Events for one project (its id in the path value named
// pathValue): "post" events for new posts and replies the caller may see — each checked against
// the same predicate as the feed before it is sent — and "notification" events with the
// caller's unread count. Events published on any node arrive (PostgreSQL LISTEN/NOTIFY).
func ProjectStream(a *app.App, pathValue string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		p := reqctx.Principal(ctx)
		if p == nil {
			http.Error(w, "sign in", http.StatusUnauthorized)
			return
		}
		pa, err := a.ProjectActor(ctx, p, r.PathValue(pathValue))
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		events, cancel := a.Events.Subscribe([]string{pa.Project().ID}, p.User.ID)
		defer cancel()
		rc := http.NewResponseController(w)
		rc.SetWriteDeadline(time.Time{})
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.Header().Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, ": connected\n\n")
		rc.Flush()
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				fmt.Fprint(w, ": ping\n\n")
			case e, ok := <-events:
				if !ok {
					return
				}
				var out streamEvent
				switch {
				case e.Kind == "notification" && e.UserID == p.User.ID:
					n, err := a.UnreadCount(ctx, p)
					if err != nil {
						continue
					}
					out = streamEvent{Kind: "notification", Unread: &n}
				case e.UserID == "" && e.ProjectID == pa.Project().ID:
					// The subscriber's standing is decided again for every event: someone removed
					// from the project (or deactivated, or moved to the client side) since the
					// stream opened must not keep receiving what they may no longer see.
					now, err := a.ProjectActor(ctx, p, pa.Project().ID)
					if err != nil {
						return // no longer in the project: the stream ends, as a reconnect would 404
					}
					post, err := a.Store.FindPost(ctx, e.ID, now.Viewer())
					if err != nil {
						continue // not visible to this subscriber: nothing is said
					}
					out = streamEvent{Kind: "post", ID: post.ID, ThreadID: post.ThreadID}
				default:
					continue
				}
				b, _ := json.Marshal(out)
				fmt.Fprintf(w, "event: %s\ndata: %s\n\n", out.Kind, b)
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	}
}

// Package events fans out "something changed" signals to live-update subscribers (the SSE
// streams of the web UI and the API).
//
// Events carry ids only, never content: a subscriber that receives one re-reads, through the
// access layer, what its user may see. An event reaching the wrong subscriber therefore leaks
// nothing but the fact that an id changed.
//
// Delivery is best effort. A subscriber whose buffer is full loses events rather than slowing
// publishers down, and the PostgreSQL bus loses the events published while its listening
// connection is down. A subscriber that must not miss a change re-reads when it (re)connects,
// as SSE clients do.
package events

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// BufferSize is the capacity of every subscription's channel: the number of events a subscriber
// may fall behind before it starts losing them.
const BufferSize = 64

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("events: bus closed")

// Event says that something changed in a project; subscribers re-read what they may see
// (events carry ids only, never content, so they cannot leak anything).
type Event struct {
	AccountID string `json:"a"`
	ProjectID string `json:"p"`
	Kind      string `json:"k"` // e.g. "post", "reply", "notification"
	ID        string `json:"i"`
	UserID    string `json:"u,omitempty"` // for per-user events (notifications): only that user's subscribers get it
}

// validate rejects an event that no subscriber could ever receive.
func (e Event) validate() error {
	if e.ProjectID == "" && e.UserID == "" {
		return fmt.Errorf("events: publish %q %q: event has neither project nor user", e.Kind, e.ID)
	}
	return nil
}

// Bus delivers events to the subscribers of every node sharing it. It is safe for concurrent use.
type Bus interface {
	// Publish sends e to every matching subscriber (on every node). It never waits for
	// subscribers. It returns ErrClosed after Close, or the error of the transport.
	Publish(ctx context.Context, e Event) error

	// Subscribe delivers the events of the listed projects, and the per-user events of userID;
	// either may be empty. An event with a UserID goes only to subscribers of that user, never to
	// project subscribers. The channel is buffered (BufferSize): a slow subscriber loses events
	// rather than blocking publishers. cancel releases the subscription and closes the channel;
	// it may be called more than once. Close also closes every subscription's channel.
	Subscribe(projectIDs []string, userID string) (events <-chan Event, cancel func())

	// Close stops the bus and closes every subscription's channel. It is idempotent.
	Close() error
}

// NewLocal returns an in-process Bus, for a single node (SQLite). Publish delivers synchronously:
// when it returns, every matching subscriber either has the event in its buffer or has lost it.
func NewLocal() Bus {
	return &localBus{hub: newHub()}
}

// localBus is the Bus of a single process.
type localBus struct {
	hub *hub
}

func (b *localBus) Publish(ctx context.Context, e Event) error {
	if err := e.validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("events: publish: %w", err)
	}
	if !b.hub.deliver(e) {
		return ErrClosed
	}
	return nil
}

func (b *localBus) Subscribe(projectIDs []string, userID string) (<-chan Event, func()) {
	return b.hub.subscribe(projectIDs, userID)
}

func (b *localBus) Close() error {
	b.hub.close()
	return nil
}

// subscription is one subscriber's filter and channel.
type subscription struct {
	projects map[string]bool
	userID   string
	ch       chan Event
}

// wants reports whether the subscriber should receive e: per-user events go only to that user,
// project events to the project's subscribers.
func (s *subscription) wants(e Event) bool {
	if e.UserID != "" {
		return e.UserID == s.userID
	}
	return s.projects[e.ProjectID]
}

// hub is the set of one process's subscriptions; both buses deliver through it.
type hub struct {
	mu     sync.RWMutex
	subs   map[*subscription]struct{}
	closed bool
}

func newHub() *hub {
	return &hub{subs: make(map[*subscription]struct{})}
}

func (h *hub) subscribe(projectIDs []string, userID string) (<-chan Event, func()) {
	s := &subscription{projects: make(map[string]bool, len(projectIDs)), userID: userID, ch: make(chan Event, BufferSize)}
	for _, id := range projectIDs {
		if id != "" {
			s.projects[id] = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(s.ch)
		return s.ch, func() {}
	}
	h.subs[s] = struct{}{}
	return s.ch, func() { h.remove(s) }
}

func (h *hub) remove(s *subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.ch)
	}
}

// deliver offers e to every subscription that wants it, dropping it for those whose buffer is
// full. It reports false if the hub is closed. Channels are closed only under the write lock, so
// no send can hit a closed channel.
func (h *hub) deliver(e Event) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.closed {
		return false
	}
	for s := range h.subs {
		if !s.wants(e) {
			continue
		}
		select {
		case s.ch <- e:
		default: // slow subscriber: it loses this event
		}
	}
	return true
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for s := range h.subs {
		close(s.ch)
	}
	h.subs = nil
}

func (h *hub) isClosed() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.closed
}

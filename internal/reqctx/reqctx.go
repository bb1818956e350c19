// Package reqctx carries what the server learned about a request (who sent it, from where)
// through its context to the API and web handlers.
package reqctx

import (
	"context"
	"net/http"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/store"
)

type key int

const (
	principalKey key = iota
	clientKey
	requestKey
)

// WithPrincipal returns ctx carrying the authenticated principal.
func WithPrincipal(ctx context.Context, p *store.Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// Principal returns the authenticated principal, or nil.
func Principal(ctx context.Context) *store.Principal {
	p, _ := ctx.Value(principalKey).(*store.Principal)
	return p
}

// WithClient returns ctx carrying the client's address and user agent.
func WithClient(ctx context.Context, c app.Client) context.Context {
	return context.WithValue(ctx, clientKey, c)
}

// Client returns the client's address and user agent.
func Client(ctx context.Context) app.Client {
	c, _ := ctx.Value(clientKey).(app.Client)
	return c
}

// WithRequest returns ctx carrying the request itself, for the few API operations that stream
// their body (multipart uploads) instead of letting the framework decode it.
func WithRequest(ctx context.Context, r *http.Request) context.Context {
	return context.WithValue(ctx, requestKey, r)
}

// Request returns the request stored by WithRequest, or nil.
func Request(ctx context.Context) *http.Request {
	r, _ := ctx.Value(requestKey).(*http.Request)
	return r
}

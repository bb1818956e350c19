// Package reqctx carries what the server learned about a request (who sent it, from where)
// through its context to the API and web handlers.
package reqctx

import (
	"context"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/store"
)

type key int

const (
	principalKey key = iota
	clientKey
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

// Package api is Portico's JSON API under /api/v1, described by an OpenAPI 3.1 document that
// huma generates from the Go types below (served at /api/v1/openapi.json).
package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/reqctx"
	"github.com/portico-dev/portico/internal/store"
)

// maxBody bounds every JSON request body; larger ones answer 413.
const maxBody = 64 << 10

// Handler serves the JSON API.
type Handler struct {
	app    *app.App
	secure bool // cookies get the Secure flag (the public URL is https)
}

// Register mounts the API on mux and returns the huma API (whose OpenAPI document tests read).
func Register(mux *http.ServeMux, a *app.App, secureCookies bool) huma.API {
	installErrors()
	cfg := huma.DefaultConfig("Portico API", "1.0.0")
	cfg.Info.Description = "Projects shared between a provider firm and its clients, where each person sees exactly what they may."
	cfg.OpenAPIPath = "/api/v1/openapi"
	cfg.DocsPath = ""    // the default docs page loads scripts from a CDN
	cfg.SchemasPath = "" // schemas are in the OpenAPI document
	cfg.CreateHooks = nil
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer":  {Type: "http", Scheme: "bearer", Description: "a personal API token (ptc_…)"},
		"session": {Type: "apiKey", In: "cookie", Name: SessionCookie},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}, {"session": {}}}
	api := humago.New(mux, cfg)
	mux.Handle("GET /api/v1/projects/{project}/events", ProjectStream(a, "project"))
	h := &Handler{app: a, secure: secureCookies}
	h.registerAuth(api)
	h.registerMe(api)
	h.registerAccounts(api)
	h.registerMembers(api)
	h.registerProjects(api)
	h.registerParticipants(api)
	h.registerAccess(api)
	h.registerPosts(api)
	h.registerFiles(api)
	h.registerNotifications(api)
	h.registerTasks(api)
	h.registerSchedule(api)
	h.registerGantt(api)
	return api
}

// op fills the parts every operation shares.
func op(id, method, path, summary string, tags ...string) huma.Operation {
	return huma.Operation{OperationID: id, Method: method, Path: path, Summary: summary, Tags: tags, MaxBodyBytes: maxBody}
}

// created marks an operation that answers 201 Created.
func created(o huma.Operation) huma.Operation {
	o.DefaultStatus = http.StatusCreated
	return o
}

// public marks an operation that needs no credentials.
func public(o huma.Operation) huma.Operation {
	o.Security = []map[string][]string{}
	return o
}

// principal returns the authenticated caller, or EUNAUTHORIZED.
func principal(ctx context.Context) (*store.Principal, error) {
	p := reqctx.Principal(ctx)
	if p == nil {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "sign in or send an API token")
	}
	return p, nil
}

// actor returns the caller acting in the account named by the path.
func (h *Handler) actor(ctx context.Context, accountID string) (*app.Actor, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	return h.app.Actor(ctx, p, accountID)
}

// Money is an amount in minor units with its currency.
type Money struct {
	AmountMinor int64  `json:"amount_minor" doc:"amount in minor units (cents)"`
	Currency    string `json:"currency" minLength:"3" maxLength:"3" doc:"ISO 4217 code"`
}

func money(p *int64, currency string) *Money {
	if p == nil {
		return nil
	}
	return &Money{AmountMinor: *p, Currency: currency}
}

func clientOf(ctx context.Context) app.Client { return reqctx.Client(ctx) }

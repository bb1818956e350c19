package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

type explainInput struct {
	User     string `query:"user" required:"true" maxLength:"64" doc:"user id of the person asked about"`
	Action   string `query:"action" required:"true" maxLength:"64" doc:"an action key, e.g. view_budget"`
	Resource string `query:"resource" required:"true" maxLength:"80" doc:"project:<id>"`
}

type explainOut struct {
	Allowed  bool   `json:"allowed"`
	Action   string `json:"action"`
	RuleID   string `json:"rule_id"`
	Rule     string `json:"rule" doc:"the deciding rule in words"`
	Who      string `json:"who"`
	Standing string `json:"standing" doc:"the person's side and level in the project"`
}

type auditInput struct {
	AccountPath
	PageQuery
	Action  string `query:"action" maxLength:"60" doc:"action prefix, e.g. participant."`
	Project string `query:"project" maxLength:"64"`
	Actor   string `query:"actor" maxLength:"64"`
	Since   string `query:"since" maxLength:"40" doc:"RFC 3339"`
	Until   string `query:"until" maxLength:"40" doc:"RFC 3339"`
}

type auditOut struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"`
	ProjectID string    `json:"project_id,omitempty"`
	Target    string    `json:"target,omitempty"`
	Summary   string    `json:"summary"`
	Before    string    `json:"before,omitempty" doc:"JSON"`
	After     string    `json:"after,omitempty" doc:"JSON"`
}

type auditPage struct {
	Items      []auditOut `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}

func (in auditInput) filter() (store.AuditFilter, error) {
	f := store.AuditFilter{Action: in.Action, ProjectID: in.Project, ActorID: in.Actor, Cursor: in.Cursor, Limit: in.Limit}
	var v domain.Validator
	for _, x := range []struct {
		field, val string
		dst        **time.Time
	}{{"since", in.Since, &f.Since}, {"until", in.Until, &f.Until}} {
		if x.val == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, x.val)
		if err != nil {
			v.Add(x.field, "must be an RFC 3339 time like 2026-11-01T00:00:00Z")
			continue
		}
		*x.dst = &t
	}
	return f, v.Err()
}

type permissionTableBody struct {
	Allowed  map[string][]string                   `json:"allowed" doc:"account level → project levels it may hold"`
	Defaults map[string]map[string]defaultPermBody `json:"defaults" doc:"account level → side → level and access on joining"`
}

type defaultPermBody struct {
	Level  string   `json:"level"`
	Access []string `json:"access"`
}

func tableOut(t domain.PermissionTable) permissionTableBody {
	out := permissionTableBody{Allowed: map[string][]string{}, Defaults: map[string]map[string]defaultPermBody{}}
	for l, ps := range t.Allowed {
		for _, p := range ps {
			out.Allowed[string(l)] = append(out.Allowed[string(l)], string(p))
		}
	}
	for l, sides := range t.Defaults {
		out.Defaults[string(l)] = map[string]defaultPermBody{}
		for s, d := range sides {
			acc := make([]string, len(d.Access))
			for i, a := range d.Access {
				acc[i] = string(a)
			}
			out.Defaults[string(l)][string(s)] = defaultPermBody{string(d.Level), acc}
		}
	}
	return out
}

func tableIn(b permissionTableBody) domain.PermissionTable {
	t := domain.PermissionTable{Allowed: map[domain.AccountLevel][]domain.ProjectLevel{}, Defaults: map[domain.AccountLevel]map[domain.Side]domain.DefaultPermission{}}
	for l, ps := range b.Allowed {
		for _, p := range ps {
			t.Allowed[domain.AccountLevel(l)] = append(t.Allowed[domain.AccountLevel(l)], domain.ProjectLevel(p))
		}
	}
	for l, sides := range b.Defaults {
		t.Defaults[domain.AccountLevel(l)] = map[domain.Side]domain.DefaultPermission{}
		for s, d := range sides {
			t.Defaults[domain.AccountLevel(l)][domain.Side(s)] = domain.DefaultPermission{Level: domain.ProjectLevel(d.Level), Access: accessIn(d.Access)}
		}
	}
	return t
}

func (h *Handler) registerAccess(api huma.API) {
	huma.Register(api, op("explain", http.MethodGet, "/api/v1/access/explain", "Whether a person may do an action, and the rule that decided (Project and Account Administrators)", "access"),
		func(ctx context.Context, in *explainInput) (*struct{ Body explainOut }, error) {
			p, err := principal(ctx)
			if err != nil {
				return nil, h.fail(err)
			}
			kind, id, ok := cutResource(in.Resource)
			if !ok || kind != "project" {
				return nil, h.fail(domain.Invalid(domain.FieldError{Field: "resource", Message: "must be project:<id>"}))
			}
			e, err := h.app.Explain(ctx, p, id, in.User, in.Action)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body explainOut }{explainOut{e.Allowed, e.Action, e.RuleID, e.Rule, e.Who, e.Standing}}, nil
		})
	huma.Register(api, op("list-audit", http.MethodGet, "/api/v1/accounts/{account}/audit", "The account's audit log, newest first (Account Administrators)", "access"),
		func(ctx context.Context, in *auditInput) (*struct{ Body auditPage }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			f, err := in.filter()
			if err != nil {
				return nil, h.fail(err)
			}
			es, next, err := h.app.ListAudit(ctx, act, f)
			if err != nil {
				return nil, h.fail(err)
			}
			out := auditPage{Items: make([]auditOut, len(es)), NextCursor: next}
			for i, e := range es {
				out.Items[i] = auditOut{e.ID, e.At, e.Actor.UserID, e.Actor.Name, e.Action, e.ProjectID, e.Target, e.Summary, e.BeforeJSON, e.AfterJSON}
			}
			return &struct{ Body auditPage }{out}, nil
		})
	huma.Register(api, op("export-audit", http.MethodGet, "/api/v1/accounts/{account}/audit.csv", "The filtered audit log as CSV (Account Administrators)", "access"),
		func(ctx context.Context, in *auditInput) (*struct {
			ContentType        string `header:"Content-Type"`
			ContentDisposition string `header:"Content-Disposition"`
			Body               []byte
		}, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			f, err := in.filter()
			if err != nil {
				return nil, h.fail(err)
			}
			var buf bytes.Buffer
			if err := h.app.ExportAudit(ctx, act, f, &buf); err != nil {
				return nil, h.fail(err)
			}
			return &struct {
				ContentType        string `header:"Content-Type"`
				ContentDisposition string `header:"Content-Disposition"`
				Body               []byte
			}{"text/csv; charset=utf-8", `attachment; filename="portico-audit.csv"`, buf.Bytes()}, nil
		})
	huma.Register(api, op("get-permission-table", http.MethodGet, "/api/v1/accounts/{account}/permission-table", "Allowed project levels per account level, and the defaults on joining", "access"),
		func(ctx context.Context, in *AccountPath) (*struct{ Body permissionTableBody }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			t, err := h.app.PermissionTable(ctx, act)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body permissionTableBody }{tableOut(t)}, nil
		})
	huma.Register(api, op("save-permission-table", http.MethodPut, "/api/v1/accounts/{account}/permission-table", "Replace the permission tables (Account Administrators)", "access"),
		func(ctx context.Context, in *struct {
			AccountPath
			Body permissionTableBody
		}) (*struct{ Body permissionTableBody }, error) {
			act, err := h.actor(ctx, in.Account)
			if err != nil {
				return nil, h.fail(err)
			}
			if err := h.app.SavePermissionTable(ctx, act, tableIn(in.Body)); err != nil {
				return nil, h.fail(err)
			}
			t, err := h.app.PermissionTable(ctx, act)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body permissionTableBody }{tableOut(t)}, nil
		})
}

func cutResource(s string) (kind, id string, ok bool) {
	kind, id, ok = strings.Cut(s, ":")
	return kind, id, ok && kind != "" && id != ""
}

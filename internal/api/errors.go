package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/portico-dev/portico/internal/domain"
)

// Problem is an RFC 9457 problem document with field-by-field validation errors.
type Problem struct {
	Type    string              `json:"type,omitempty"`
	Title   string              `json:"title"`
	Status  int                 `json:"status"`
	Detail  string              `json:"detail,omitempty"`
	Code    string              `json:"code,omitempty" doc:"machine-readable error kind"`
	Errors  []domain.FieldError `json:"errors,omitempty"`
	headers http.Header
}

func (p *Problem) Error() string             { return p.Detail }
func (p *Problem) GetStatus() int            { return p.Status }
func (p *Problem) ContentType(string) string { return "application/problem+json" }
func (p *Problem) GetHeaders() http.Header   { return p.headers }

// Status maps an error code to an HTTP status: the one place this happens for the API.
func Status(code string) int {
	switch code {
	case domain.EINVALID:
		return http.StatusUnprocessableEntity
	case domain.ENOTFOUND:
		return http.StatusNotFound
	case domain.ECONFLICT:
		return http.StatusConflict
	case domain.EFORBIDDEN:
		return http.StatusForbidden
	case domain.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case domain.ETOOMANY:
		return http.StatusTooManyRequests
	case domain.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case domain.EGONE:
		return http.StatusGone
	}
	return http.StatusInternalServerError
}

// installErrors makes huma report its own validation errors in our problem shape, with a
// field name per error ("email", not "body.email").
func installErrors() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		p := &Problem{Title: http.StatusText(status), Status: status, Detail: msg}
		for _, e := range errs {
			var d *huma.ErrorDetail
			if errors.As(e, &d) {
				p.Errors = append(p.Errors, domain.FieldError{Field: fieldName(d.Location), Message: d.Message})
			} else if e != nil {
				p.Errors = append(p.Errors, domain.FieldError{Field: "", Message: e.Error()})
			}
		}
		switch {
		case status == http.StatusUnprocessableEntity:
			p.Code = domain.EINVALID
		case status == http.StatusBadRequest:
			p.Code = "malformed"
		case status == http.StatusRequestEntityTooLarge:
			p.Code = domain.ETOOLARGE
		}
		return p
	}
}

func fieldName(loc string) string {
	for _, prefix := range []string{"body.", "query.", "path.", "header."} {
		if strings.HasPrefix(loc, prefix) {
			return strings.TrimPrefix(loc, prefix)
		}
	}
	if loc == "body" {
		return ""
	}
	return loc
}

// fail turns an application error into the problem the caller sees. Internal causes are
// logged here and never shown.
func (h *Handler) fail(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		h.app.Log.Error("api: internal error", "err", err)
		return &Problem{Title: "Internal Server Error", Status: 500, Detail: "internal error", Code: domain.EINTERNAL}
	}
	st := Status(de.Code)
	p := &Problem{Title: http.StatusText(st), Status: st, Detail: de.Message, Code: de.Code, Errors: de.Fields}
	if de.RetryAfter > 0 {
		p.headers = http.Header{"Retry-After": {strconv.Itoa(de.RetryAfter)}}
	}
	if st == http.StatusUnauthorized {
		// RFC 9110 §15.5.2: a 401 carries a challenge (as the server's bearer check does).
		p.headers = http.Header{"WWW-Authenticate": {`Bearer realm="portico"`}}
	}
	return p
}

// nestFields names the fields of a validation error by their place in the request body: the
// application checks settings as "currency", the client sent "settings.currency". Fields
// listed in top stay as they are; other errors pass unchanged.
func nestFields(err error, prefix string, top ...string) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EINVALID {
		return err
	}
	fields := make([]domain.FieldError, len(de.Fields))
	for i, f := range de.Fields {
		if !slices.Contains(top, f.Field) {
			f.Field = prefix + f.Field
		}
		fields[i] = f
	}
	return domain.Invalid(fields...)
}

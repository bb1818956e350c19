package server

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/portico-dev/portico/internal/api"
	"github.com/portico-dev/portico/internal/app"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/reqctx"
	"github.com/portico-dev/portico/internal/store"
)

// authenticate resolves the session cookie or bearer token into a principal. A bad bearer
// token is refused at once (401); a stale cookie is ignored, so pages can redirect to sign-in.
func (m *Main) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				writeProblem(w, http.StatusUnauthorized, "the Authorization header must be \"Bearer <token>\"")
				return
			}
			p, err := m.App.AuthenticateToken(ctx, strings.TrimSpace(token))
			if err != nil {
				if domain.ErrorCode(err) != domain.EUNAUTHORIZED {
					m.Log.Error("authenticate token", "err", err)
				}
				writeProblem(w, http.StatusUnauthorized, domain.ErrorMessage(err))
				return
			}
			next.ServeHTTP(w, r.WithContext(withPrincipal(ctx, p)))
			return
		}
		if c, err := r.Cookie(api.SessionCookie); err == nil && c.Value != "" {
			p, err := m.App.Authenticate(ctx, c.Value)
			if err == nil {
				r = r.WithContext(withPrincipal(ctx, p))
			} else if domain.ErrorCode(err) != domain.EUNAUTHORIZED {
				m.Log.Error("authenticate session", "err", err)
			}
		}
		next.ServeHTTP(w, r)
	})
}

// withPrincipal puts the principal in the request context, and names them as the actor of
// every audit entry the request's writes record.
func withPrincipal(ctx context.Context, p *store.Principal) context.Context {
	ctx = store.WithActor(ctx, store.AuditActor{UserID: p.User.ID, Name: p.User.FullName()})
	return reqctx.WithPrincipal(ctx, p)
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="portico"`)
	}
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"title": http.StatusText(status), "status": status, "detail": detail})
	w.Write(b)
}

// withClient records the client's address and user agent for sign-in throttling and the
// session list. The address is the connection's: put a proxy's trusted header handling in
// front if you run behind one.
func withClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		c := app.Client{IP: host, UserAgent: r.UserAgent()}
		ctx := reqctx.WithClient(r.Context(), c)
		r = r.WithContext(ctx)
		next.ServeHTTP(w, r.WithContext(reqctx.WithRequest(ctx, r)))
	})
}

// recoverer turns a panic into a 500 and a log line instead of a dropped connection.
func (m *Main) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				m.Log.Error("panic", "path", r.URL.Path, "panic", v)
				writeProblem(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "portico_http_requests_total", Help: "HTTP requests by method and status."}, []string{"method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "portico_http_request_duration_seconds", Help: "HTTP request duration.", Buckets: prometheus.DefBuckets}, []string{"method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush on the real writer (Server-Sent Events).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (m *httpMetrics) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		m.requests.WithLabelValues(r.Method, strconv.Itoa(sw.status)).Inc()
		m.duration.WithLabelValues(r.Method).Observe(time.Since(start).Seconds())
	})
}

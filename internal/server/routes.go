package server

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/portico-dev/portico/internal/api"
	"github.com/portico-dev/portico/internal/web"
)

// routes builds the handler: API, web pages, operations endpoints, and around them the
// middleware every request passes (recovery, metrics, client info, authentication,
// cross-origin protection for unsafe methods).
func (m *Main) routes() http.Handler {
	mux := http.NewServeMux()
	api.Register(mux, m.App, m.Config.SecureCookies())
	web.Register(mux, m.App, m.Config.SecureCookies(), m.Log)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := newHTTPMetrics(reg)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "portico_jobs_pending", Help: "Jobs not yet finished."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		n, _, _ := m.Store.JobStats(ctx)
		return float64(n)
	}))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.Store.Ping(ctx); err != nil {
			m.Log.Warn("not ready", "err", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})

	var h http.Handler = mux
	h = http.NewCrossOriginProtection().Handler(h)
	h = m.authenticate(h)
	h = withClient(h)
	h = metrics.wrap(h)
	h = m.recoverer(h)
	return h
}

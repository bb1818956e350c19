package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/portico-dev/portico/internal/testutil"
)

// BenchmarkMeWithToken measures an authenticated GET /api/v1/me with a bearer token through
// the whole handler (middleware, router, huma, store) without the network. The token check is
// one indexed lookup of its SHA-256 hash; no password hashing is on this path.
func BenchmarkMeWithToken(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			srv := testutil.StartServer(b, d)
			f := testutil.MustCreateAccount(b, srv.App, "Bench")
			h := srv.Handler()
			req := func() *http.Request {
				r := httptest.NewRequest("GET", "/api/v1/me", nil)
				r.Header.Set("Authorization", "Bearer "+f.Admin.Token)
				return r
			}
			if w := httptest.NewRecorder(); func() int { h.ServeHTTP(w, req()); return w.Code }() != 200 {
				b.Fatalf("GET /api/v1/me: %d %s", w.Code, w.Body)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req())
					if w.Code != 200 {
						b.Errorf("status %d", w.Code)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

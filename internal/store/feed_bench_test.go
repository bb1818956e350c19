package store_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// feedWorld is a project with many posts, 90 % of them private to the provider team, and a
// client who sees only the public tenth.
type feedWorld struct {
	s                  *store.Store
	accountID, project string
	client, provider   string
}

func newFeedWorld(tb testing.TB, dialect string, n int) *feedWorld {
	tb.Helper()
	s := testutil.MustOpenDB(tb, dialect)
	ctx := context.Background()
	acct, admin, err := s.CreateAccount(ctx, "Feed", store.NewAdmin{Email: "feed-admin@example.com", PasswordHash: "x"})
	if err != nil {
		tb.Fatal(err)
	}
	p := &domain.Project{AccountID: acct.ID, Name: "P", Currency: "EUR", Privacy: domain.PrivacyInvitation, Status: domain.StatusOnTrack, CreatedBy: admin.UserID}
	if err := s.CreateProject(ctx, p, store.AuditActor{}); err != nil {
		tb.Fatal(err)
	}
	other, _, err := s.CreateAccount(ctx, "Client Co", store.NewAdmin{Email: "feed-client@example.com", PasswordHash: "x"})
	if err != nil {
		tb.Fatal(err)
	}
	_ = other
	client, _, err := s.FindUserCredentials(ctx, "feed-client@example.com")
	if err != nil {
		tb.Fatal(err)
	}
	if err := s.AddParticipant(ctx, &domain.Participant{ProjectID: p.ID, AccountID: acct.ID, UserID: client.ID, Side: domain.SideClient, Level: domain.PLEditTasks, Access: []domain.Access{}}, store.AuditActor{}); err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := store.SeedFeed(s, acct.ID, p.ID, admin.UserID, nil, n, start); err != nil {
		tb.Fatal(err)
	}
	return &feedWorld{s: s, accountID: acct.ID, project: p.ID, client: client.ID, provider: admin.UserID}
}

// TestFeedQueryShape checks on a seeded project that a client's page holds only public threads,
// pages are complete, and the plan of the roots query uses the indexes (no full scan of posts).
func TestFeedQueryShape(t *testing.T) {
	for _, d := range testutil.Dialects() {
		t.Run(d, func(t *testing.T) {
			w := newFeedWorld(t, d, 2000)
			ctx := context.Background()
			seen := 0
			cur := ""
			for {
				pg, err := w.s.FindFeed(ctx, w.accountID, w.project, store.Viewer{UserID: w.client}, cur, 50)
				if err != nil {
					t.Fatal(err)
				}
				for _, th := range pg.Threads {
					if th.Root.Private {
						t.Fatalf("a client page holds private thread %s", th.Root.ID)
					}
					seen++
				}
				if pg.Next == "" {
					break
				}
				cur = pg.Next
			}
			if seen != 200 {
				t.Fatalf("client saw %d public threads, want 200", seen)
			}
			pg, err := w.s.FindFeed(ctx, w.accountID, w.project, store.Viewer{UserID: w.provider, SeeInternal: true}, "", 50)
			if err != nil || len(pg.Threads) != 50 || pg.Next == "" {
				t.Fatalf("provider page: %d threads, next %q, %v", len(pg.Threads), pg.Next, err)
			}
			plan := store.ExplainFeed(t, w.s, w.accountID, w.project, w.client)
			t.Logf("plan:\n%s", plan)
			if strings.Contains(plan, "SCAN posts") || strings.Contains(plan, "Seq Scan on posts") || strings.Contains(plan, "Seq Scan on thread_recipients") {
				t.Fatalf("the feed query scans a whole table:\n%s", plan)
			}
		})
	}
}

// BenchmarkClientFeedPage measures a client's first feed page in a project of
// PORTICO_BENCH_POSTS posts (default 200,000), 90 % private to the provider team.
func BenchmarkClientFeedPage(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("PORTICO_BENCH_POSTS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			w := newFeedWorld(b, d, n)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				pg, err := w.s.FindFeed(ctx, w.accountID, w.project, store.Viewer{UserID: w.client}, "", 50)
				if err != nil || len(pg.Threads) != 50 {
					b.Fatalf("page: %d threads, %v", len(pg.Threads), err)
				}
			}
		})
	}
}

// BenchmarkClientFeedConcurrent has 50 readers fetch a client's first page and a deep page
// (cursor 20 pages in) of the seeded project, and reports p50/p99 latency and pages per second.
func BenchmarkClientFeedConcurrent(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("PORTICO_BENCH_POSTS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			w := newFeedWorld(b, d, n)
			ctx := context.Background()
			v := store.Viewer{UserID: w.client}
			deep := ""
			for i := 0; i < 20; i++ {
				pg, err := w.s.FindFeed(ctx, w.accountID, w.project, v, deep, 50)
				if err != nil || pg.Next == "" {
					b.Fatalf("paging to the deep page: %v", err)
				}
				deep = pg.Next
			}
			var mu sync.Mutex
			var lat []time.Duration
			b.SetParallelism(25) // 2 cores × 25 = 50 readers
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				i := 0
				for pb.Next() {
					cur := ""
					if i%2 == 1 {
						cur = deep
					}
					i++
					t0 := time.Now()
					pg, err := w.s.FindFeed(ctx, w.accountID, w.project, v, cur, 50)
					mine = append(mine, time.Since(t0))
					if err != nil || len(pg.Threads) != 50 {
						b.Errorf("page: %v", err)
						return
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			slices.Sort(lat)
			if len(lat) > 0 {
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "pages/s")
			}
		})
	}
}

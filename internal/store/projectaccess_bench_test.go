package store_test

import (
	"context"
	"testing"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// BenchmarkLoadProjectAccess measures loading the subject of a project request — project,
// account settings, membership, access-group capabilities, participation and the client-decider
// fact — which is one query.
func BenchmarkLoadProjectAccess(b *testing.B) {
	for _, d := range testutil.Dialects() {
		b.Run(d, func(b *testing.B) {
			s := testutil.MustOpenDB(b, d)
			ctx := context.Background()
			acct, admin, err := s.CreateAccount(ctx, "Bench", store.NewAdmin{Email: "bench@example.com", PasswordHash: "x"})
			if err != nil {
				b.Fatal(err)
			}
			p := &domain.Project{AccountID: acct.ID, Name: "P", Currency: "EUR", Privacy: domain.PrivacyInvitation, Status: domain.StatusOnTrack, CreatedBy: admin.UserID}
			if err := s.CreateProject(ctx, p, store.AuditActor{}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				pa, err := s.LoadProjectAccess(ctx, p.ID, admin.UserID)
				if err != nil || pa.Participant == nil {
					b.Fatalf("load: %v", err)
				}
			}
		})
	}
}

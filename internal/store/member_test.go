package store_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

// allPages walks FindMembers page by page and returns the members in the order served.
func allPages(t *testing.T, s *store.Store, f store.MemberFilter) []domain.Member {
	t.Helper()
	var out []domain.Member
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("pagination does not end")
		}
		ms, next, err := s.FindMembers(t.Context(), f)
		must(t, err)
		if len(ms) > f.Limit || (len(ms) == 0 && pages > 0) {
			t.Fatalf("page %d has %d members at limit %d", pages, len(ms), f.Limit)
		}
		out = append(out, ms...)
		if next == "" {
			return out
		}
		f.Cursor = next
	}
}

func TestFindMembers(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := useClock(s, t0)
		f := mustAccount(t, s, "Paged")
		for range 3 {
			clk.Add(time.Minute)
			mustMember(t, s, f, domain.LevelCollaborator)
		}
		// Four members joining in the same microsecond: only the id orders them.
		clk.Add(time.Minute)
		for range 4 {
			mustMember(t, s, f, domain.LevelProjectLead)
		}
		clk.Add(time.Minute)
		gone := mustMember(t, s, f, domain.LevelCollaborator)
		_, err := s.UpdateMember(ctx, f.Account.ID, gone.ID, domain.MemberUpdate{Active: ptr(false)}, nil)
		must(t, err)
		other := mustAccount(t, s, "Other")
		mustMember(t, s, other, domain.LevelCollaborator)

		// Every member of the account, in (created_at, id) order, as FindMemberByID has them.
		var want []domain.Member
		ids := map[string]bool{}
		all, _, err := s.FindMembers(ctx, store.MemberFilter{AccountID: f.Account.ID, Limit: store.MaxLimit})
		must(t, err)
		for _, m := range all {
			ids[m.ID] = true
			full, err := s.FindMemberByID(ctx, f.Account.ID, m.ID)
			must(t, err)
			want = append(want, *full)
		}
		if len(want) != 9 || len(ids) != 9 {
			t.Fatalf("account has %d members (%d distinct), want 9", len(want), len(ids))
		}
		slices.SortFunc(want, func(a, b domain.Member) int {
			if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		var wantActive, wantInactive []domain.Member
		for _, m := range want {
			if m.Active {
				wantActive = append(wantActive, m)
			} else {
				wantInactive = append(wantInactive, m)
			}
		}
		// FindMembers does not load access groups.
		ignoreGroups := cmpopts.IgnoreFields(domain.Member{}, "AccessGroups")

		for _, limit := range []int{1, 2, 3} {
			got := allPages(t, s, store.MemberFilter{AccountID: f.Account.ID, Limit: limit})
			if diff := cmp.Diff(want, got, ignoreGroups); diff != "" {
				t.Fatalf("limit %d: members (-want +got):\n%s", limit, diff)
			}
			got = allPages(t, s, store.MemberFilter{AccountID: f.Account.ID, Active: ptr(true), Limit: limit})
			if diff := cmp.Diff(wantActive, got, ignoreGroups); diff != "" {
				t.Fatalf("limit %d, active: members (-want +got):\n%s", limit, diff)
			}
			got = allPages(t, s, store.MemberFilter{AccountID: f.Account.ID, Active: ptr(false), Limit: limit})
			if diff := cmp.Diff(wantInactive, got, ignoreGroups); diff != "" {
				t.Fatalf("limit %d, inactive: members (-want +got):\n%s", limit, diff)
			}
		}

		t.Run("ErrInvalidCursor", func(t *testing.T) {
			b64 := base64.RawURLEncoding.EncodeToString
			for _, c := range []string{"not base64!", b64([]byte("no separator")), b64([]byte("yesterday|" + gone.ID))} {
				_, _, err := s.FindMembers(ctx, store.MemberFilter{AccountID: f.Account.ID, Cursor: c, Limit: 2})
				wantCode(t, err, domain.EINVALID)
			}
		})
	})
}

func TestUpdateMember(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := useClock(s, t0)
		f := mustAccount(t, s, "Rules")
		other := mustAccount(t, s, "Elsewhere")

		t.Run("OK", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			got, err := s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{
				Level: ptr(domain.LevelProjectLead), DefaultBillRate: ptr(ptr(int64(9000))), CostRate: ptr(ptr(int64(4000))),
			}, nil)
			must(t, err)
			want := *m
			want.Level, want.DefaultBillRate, want.CostRate = domain.LevelProjectLead, ptr(int64(9000)), ptr(int64(4000))
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Fatalf("updated member (-want +got):\n%s", diff)
			}
			found, err := s.FindMemberByID(ctx, f.Account.ID, m.ID)
			must(t, err)
			if diff := cmp.Diff(got, found); diff != "" {
				t.Fatalf("stored member (-returned +found):\n%s", diff)
			}
			// A pointer to nil clears a rate.
			got, err = s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{CostRate: ptr[*int64](nil)}, nil)
			must(t, err)
			if got.CostRate != nil || got.DefaultBillRate == nil {
				t.Fatalf("after clearing the cost rate: %+v", got)
			}
		})

		t.Run("ErrPunchClockNeedsBillRate", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			before := snapshot(t, s)
			_, err := s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{Level: ptr(domain.LevelPunchClock)}, nil)
			wantCode(t, err, domain.EINVALID)
			wantUnchanged(t, s, before)

			got, err := s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{Level: ptr(domain.LevelPunchClock), DefaultBillRate: ptr(ptr(int64(6000)))}, nil)
			must(t, err)
			if got.Level != domain.LevelPunchClock || got.DefaultBillRate == nil || *got.DefaultBillRate != 6000 {
				t.Fatalf("punch clock with a rate: %+v", got)
			}
			// Nor may a Punch Clock member lose the rate.
			before = snapshot(t, s)
			_, err = s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{DefaultBillRate: ptr[*int64](nil)}, nil)
			wantCode(t, err, domain.EINVALID)
			wantUnchanged(t, s, before)
		})

		t.Run("ErrLastAdministrator", func(t *testing.T) {
			g := mustAccount(t, s, "Admins")
			before := snapshot(t, s)
			_, err := s.UpdateMember(ctx, g.Account.ID, g.Admin.ID, domain.MemberUpdate{Level: ptr(domain.LevelProjectLead)}, nil)
			wantCode(t, err, domain.ECONFLICT)
			_, err = s.UpdateMember(ctx, g.Account.ID, g.Admin.ID, domain.MemberUpdate{Active: ptr(false)}, nil)
			wantCode(t, err, domain.ECONFLICT)
			wantUnchanged(t, s, before)

			// A second, inactive administrator does not count.
			b := mustMember(t, s, g, domain.LevelAccountAdmin)
			_, err = s.UpdateMember(ctx, g.Account.ID, b.ID, domain.MemberUpdate{Active: ptr(false)}, nil)
			must(t, err)
			before = snapshot(t, s)
			_, err = s.UpdateMember(ctx, g.Account.ID, g.Admin.ID, domain.MemberUpdate{Level: ptr(domain.LevelCollaborator)}, nil)
			wantCode(t, err, domain.ECONFLICT)
			wantUnchanged(t, s, before)

			// Once active again it does, and the first may step down.
			_, err = s.UpdateMember(ctx, g.Account.ID, b.ID, domain.MemberUpdate{Active: ptr(true)}, nil)
			must(t, err)
			a, err := s.UpdateMember(ctx, g.Account.ID, g.Admin.ID, domain.MemberUpdate{Level: ptr(domain.LevelCollaborator)}, nil)
			must(t, err)
			if a.Level != domain.LevelCollaborator {
				t.Fatalf("demoted admin %+v", a)
			}
			// Now b is the last one.
			before = snapshot(t, s)
			_, err = s.UpdateMember(ctx, g.Account.ID, b.ID, domain.MemberUpdate{Active: ptr(false)}, nil)
			wantCode(t, err, domain.ECONFLICT)
			wantUnchanged(t, s, before)
		})

		t.Run("DeactivationEndsSessionsInThatAccount", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			// The same person in another account.
			hash, _ := mustInvite(t, s, other, m.Email, domain.LevelCollaborator)
			_, _, err := s.AcceptInvitation(ctx, hash, store.Acceptance{UserID: m.UserID, SessionTokenHash: uniqueHash("sess")})
			must(t, err)
			here, _ := mustSession(t, s, m.UserID, f.Account.ID)
			there, _ := mustSession(t, s, m.UserID, other.Account.ID)
			nowhere, _ := mustSession(t, s, m.UserID, "")
			adminHere, _ := mustSession(t, s, f.Admin.UserID, f.Account.ID)

			at := clk.Add(time.Hour)
			got, err := s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{Active: ptr(false)}, nil)
			must(t, err)
			if got.Active || got.DeactivatedAt == nil || !got.DeactivatedAt.Equal(at) {
				t.Fatalf("deactivated member %+v, want deactivated at %v", got, at)
			}
			if sessionLive(t, s, here) {
				t.Fatal("the session in the account survived deactivation")
			}
			if !sessionLive(t, s, there) || !sessionLive(t, s, nowhere) || !sessionLive(t, s, adminHere) {
				t.Fatal("deactivation ended a session outside the member's account")
			}
			got, err = s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{Active: ptr(true)}, nil)
			must(t, err)
			if !got.Active || got.DeactivatedAt != nil {
				t.Fatalf("reactivated member %+v", got)
			}
		})

		t.Run("AccessGroups", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			mine, err := s.FindAccessGroups(ctx, f.Account.ID)
			must(t, err)
			theirs, err := s.FindAccessGroups(ctx, other.Account.ID)
			must(t, err)

			want := []string{mine[0].ID, mine[3].ID}
			slices.Sort(want)
			got, err := s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{}, &[]string{mine[3].ID, mine[0].ID, mine[0].ID})
			must(t, err)
			if !slices.Equal(got.AccessGroups, want) {
				t.Fatalf("access groups %v, want %v", got.AccessGroups, want)
			}

			for _, bad := range [][]string{{theirs[0].ID}, {mine[1].ID, theirs[1].ID}, {"no-such-group"}} {
				before := snapshot(t, s)
				_, err := s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{Level: ptr(domain.LevelProjectLead)}, &bad)
				wantCode(t, err, domain.EINVALID)
				wantUnchanged(t, s, before)
			}

			got, err = s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{}, &[]string{})
			must(t, err)
			if len(got.AccessGroups) != 0 {
				t.Fatalf("access groups after clearing: %v", got.AccessGroups)
			}
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			before := snapshot(t, s)
			_, err := s.UpdateMember(ctx, other.Account.ID, f.Admin.ID, domain.MemberUpdate{Level: ptr(domain.LevelCollaborator)}, nil)
			wantCode(t, err, domain.ENOTFOUND)
			_, err = s.FindMemberByID(ctx, other.Account.ID, f.Admin.ID)
			wantCode(t, err, domain.ENOTFOUND)
			_, err = s.FindMemberByUser(ctx, other.Account.ID, f.Admin.UserID)
			wantCode(t, err, domain.ENOTFOUND)
			wantUnchanged(t, s, before)
		})
	})
}

// Two administrators demoting each other at the same moment must not leave the account
// without one.
func TestUpdateMemberConcurrentDemotions(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := mustAccount(t, s, "Race")
		b := mustMember(t, s, f, domain.LevelAccountAdmin)
		admins := []string{f.Admin.ID, b.ID}
		for round := range 20 {
			for _, id := range admins {
				_, err := s.UpdateMember(ctx, f.Account.ID, id, domain.MemberUpdate{Level: ptr(domain.LevelAccountAdmin), Active: ptr(true)}, nil)
				must(t, err)
			}
			errs := make([]error, len(admins))
			var wg sync.WaitGroup
			for i, id := range admins {
				upd := domain.MemberUpdate{Level: ptr(domain.LevelCollaborator)}
				if i == 1 {
					upd = domain.MemberUpdate{Active: ptr(false)}
				}
				wg.Go(func() { _, errs[i] = s.UpdateMember(ctx, f.Account.ID, id, upd, nil) })
			}
			wg.Wait()
			ok := 0
			for _, err := range errs {
				switch domain.ErrorCode(err) {
				case "":
					ok++
				case domain.ECONFLICT:
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			left, _, err := s.FindMembers(ctx, store.MemberFilter{AccountID: f.Account.ID, Active: ptr(true)})
			must(t, err)
			n := 0
			for _, m := range left {
				if m.Level == domain.LevelAccountAdmin {
					n++
				}
			}
			if ok != 1 || n != 1 {
				t.Fatalf("round %d: %d demotions succeeded, %d active administrators left", round, ok, n)
			}
		}
	})
}

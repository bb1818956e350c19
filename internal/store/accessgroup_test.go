package store_test

import (
	"slices"
	"testing"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

func TestAccessGroups(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		f := mustAccount(t, s, "Groups")
		other := mustAccount(t, s, "Other")
		m := mustMember(t, s, f, domain.LevelCollaborator)

		g := &domain.AccessGroup{AccountID: f.Account.ID, Name: "Auditors", Capabilities: []domain.Capability{domain.CapViewAllProjects}}
		must(t, s.CreateAccessGroup(ctx, g))
		before := snapshot(t, s)
		wantCode(t, s.CreateAccessGroup(ctx, &domain.AccessGroup{AccountID: f.Account.ID, Name: "Auditors"}), domain.EINVALID)
		wantCode(t, s.UpdateAccessGroup(ctx, &domain.AccessGroup{AccountID: f.Account.ID, ID: g.ID, Name: "Open projects"}), domain.EINVALID)
		// Another account's administrator cannot reach the group.
		wantCode(t, s.UpdateAccessGroup(ctx, &domain.AccessGroup{AccountID: other.Account.ID, ID: g.ID, Name: "Mine now"}), domain.ENOTFOUND)
		wantCode(t, s.DeleteAccessGroup(ctx, other.Account.ID, g.ID), domain.ENOTFOUND)
		wantUnchanged(t, s, before)
		// The same name in another account is fine.
		must(t, s.CreateAccessGroup(ctx, &domain.AccessGroup{AccountID: other.Account.ID, Name: "Auditors"}))

		_, err := s.UpdateMember(ctx, f.Account.ID, m.ID, domain.MemberUpdate{}, &[]string{g.ID})
		must(t, err)
		caps, err := s.MemberCapabilities(ctx, f.Account.ID, m.ID)
		must(t, err)
		if !slices.Contains(caps, domain.CapViewAllProjects) {
			t.Fatalf("capabilities %v", caps)
		}

		must(t, s.DeleteAccessGroup(ctx, f.Account.ID, g.ID))
		got, err := s.FindMemberByID(ctx, f.Account.ID, m.ID)
		must(t, err)
		if slices.Contains(got.AccessGroups, g.ID) {
			t.Fatal("the deleted group still has members")
		}
		caps, err = s.MemberCapabilities(ctx, f.Account.ID, m.ID)
		must(t, err)
		if slices.Contains(caps, domain.CapViewAllProjects) {
			t.Fatalf("capabilities after deleting the group: %v", caps)
		}
		wantCode(t, s.DeleteAccessGroup(ctx, f.Account.ID, g.ID), domain.ENOTFOUND)
	})
}

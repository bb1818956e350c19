package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

func TestInvitations(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := useClock(s, t0)
		f := mustAccount(t, s, "Inviting")

		t.Run("CreateStoresInvitationMailAndJob", func(t *testing.T) {
			g := mustAccount(t, s, "Fresh")
			email := uniqueEmail("lee")
			hash := uniqueHash("inv")
			inv := &domain.Invitation{AccountID: g.Account.ID, Email: email, Level: domain.LevelProjectLead, InvitedBy: g.Admin.ID}
			pending, _, err := s.JobStats(ctx)
			must(t, err)
			must(t, s.CreateInvitation(ctx, inv, hash, store.OutgoingMail{To: email, Subject: "Join Fresh", Text: "Follow the link", HTML: "<p>link</p>"}))

			want := domain.Invitation{ID: inv.ID, AccountID: g.Account.ID, Email: email, Level: domain.LevelProjectLead, InvitedBy: g.Admin.ID,
				CreatedAt: t0, ExpiresAt: t0.Add(domain.InvitationTTL)}
			invs, err := s.FindInvitations(ctx, g.Account.ID)
			must(t, err)
			if diff := cmp.Diff([]domain.Invitation{want}, invs); diff != "" {
				t.Fatalf("invitations (-want +got):\n%s", diff)
			}
			info, err := s.FindInvitationByToken(ctx, hash)
			must(t, err)
			if diff := cmp.Diff(&store.InvitationInfo{Invitation: want, AccountName: "Fresh"}, info); diff != "" {
				t.Fatalf("invitation by token (-want +got):\n%s", diff)
			}

			mails, _, err := s.FindAccountMails(ctx, g.Account.ID, "", 10)
			must(t, err)
			if len(mails) != 1 {
				t.Fatalf("account mails: %+v", mails)
			}
			wantMail := store.StoredMail{
				OutgoingMail: store.OutgoingMail{AccountID: g.Account.ID, To: email, Subject: "Join Fresh", Text: "Follow the link", HTML: "<p>link</p>"},
				ID:           mails[0].ID, Status: store.MailQueued, CreatedAt: t0,
			}
			if diff := cmp.Diff(wantMail, mails[0]); diff != "" {
				t.Fatalf("mail (-want +got):\n%s", diff)
			}
			after, _, err := s.JobStats(ctx)
			must(t, err)
			if after != pending+1 {
				t.Fatalf("pending jobs %d, want %d", after, pending+1)
			}
			// The job delivers exactly that mail. (Earlier invitations' jobs come first.)
			var job *store.Job
			for range after {
				j, err := s.ClaimJob(ctx, time.Hour)
				must(t, err)
				var p store.SendMailPayload
				must(t, json.Unmarshal(j.Payload, &p))
				if p.MailID == mails[0].ID {
					job = j
				}
			}
			if job == nil || job.Kind != store.JobSendMail {
				t.Fatalf("no %s job for mail %s", store.JobSendMail, mails[0].ID)
			}
		})

		t.Run("ErrAlreadyMember", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			before := snapshot(t, s)
			for _, email := range []string{m.Email, f.Admin.Email} {
				inv := &domain.Invitation{AccountID: f.Account.ID, Email: email, Level: domain.LevelCollaborator, InvitedBy: f.Admin.ID}
				err := s.CreateInvitation(ctx, inv, uniqueHash("inv"), store.OutgoingMail{To: email, Subject: "Join", Text: "x"})
				wantCode(t, err, domain.ECONFLICT)
			}
			wantUnchanged(t, s, before)
		})

		t.Run("SecondInvitationRevokesFirst", func(t *testing.T) {
			email := uniqueEmail("twice")
			first, inv1 := mustInvite(t, s, f, email, domain.LevelCollaborator)
			at := clk.Add(time.Minute)
			second, inv2 := mustInvite(t, s, f, email, domain.LevelProjectLead)
			_, err := s.FindInvitationByToken(ctx, first)
			wantCode(t, err, domain.EGONE)
			info, err := s.FindInvitationByToken(ctx, second)
			must(t, err)
			if info.ID != inv2.ID || info.Level != domain.LevelProjectLead {
				t.Fatalf("second invitation %+v", info)
			}
			invs, err := s.FindInvitations(ctx, f.Account.ID)
			must(t, err)
			for _, i := range invs {
				if i.ID == inv1.ID && (i.RevokedAt == nil || !i.RevokedAt.Equal(at)) {
					t.Fatalf("first invitation %+v, want revoked at %v", i, at)
				}
			}
			_, _, err = s.AcceptInvitation(ctx, first, store.Acceptance{FirstName: "A", LastName: "B", PasswordHash: "h", SessionTokenHash: uniqueHash("sess")})
			wantCode(t, err, domain.EGONE)
		})

		t.Run("FindByToken", func(t *testing.T) {
			_, err := s.FindInvitationByToken(ctx, uniqueHash("unknown"))
			wantCode(t, err, domain.ENOTFOUND)

			start := clk.Now()
			hash, inv := mustInvite(t, s, f, uniqueEmail("late"), domain.LevelCollaborator)
			clk.Set(start.Add(domain.InvitationTTL - time.Second))
			if _, err := s.FindInvitationByToken(ctx, hash); err != nil {
				t.Fatalf("a second before expiry: %v", err)
			}
			clk.Set(start.Add(domain.InvitationTTL + time.Second))
			_, err = s.FindInvitationByToken(ctx, hash)
			wantCode(t, err, domain.EGONE)
			before := snapshot(t, s)
			_, _, err = s.AcceptInvitation(ctx, hash, store.Acceptance{FirstName: "A", LastName: "B", PasswordHash: "h", SessionTokenHash: uniqueHash("sess")})
			wantCode(t, err, domain.EGONE)
			wantUnchanged(t, s, before)
			clk.Set(start)
			// Revoking it does not make it expire early or late; it is simply gone.
			must(t, s.RevokeInvitation(ctx, f.Account.ID, inv.ID))
			_, err = s.FindInvitationByToken(ctx, hash)
			wantCode(t, err, domain.EGONE)
			wantCode(t, s.RevokeInvitation(ctx, f.Account.ID, inv.ID), domain.ENOTFOUND)

			revoked, inv2 := mustInvite(t, s, f, uniqueEmail("withdrawn"), domain.LevelCollaborator)
			wantCode(t, s.RevokeInvitation(ctx, mustAccount(t, s, "Not theirs").Account.ID, inv2.ID), domain.ENOTFOUND)
			must(t, s.RevokeInvitation(ctx, f.Account.ID, inv2.ID))
			_, err = s.FindInvitationByToken(ctx, revoked)
			wantCode(t, err, domain.EGONE)
		})

		t.Run("AcceptOnce", func(t *testing.T) {
			email := uniqueEmail("new")
			hash, inv := mustInvite(t, s, f, email, domain.LevelReportViewer)
			sessHash := uniqueHash("sess")
			users := rowCount(t, s, "users")
			m, sess, err := s.AcceptInvitation(ctx, hash, store.Acceptance{FirstName: "Nia", LastName: "New", PasswordHash: "pw-hash", SessionTokenHash: sessHash, UserAgent: "UA", IP: "192.0.2.1"})
			must(t, err)
			if m.AccountID != f.Account.ID || m.Level != domain.LevelReportViewer || !m.Active || m.Email != email || m.FirstName != "Nia" {
				t.Fatalf("member %+v", m)
			}
			if n := rowCount(t, s, "users"); n != users+1 {
				t.Fatalf("users %d, want %d", n, users+1)
			}
			u, pw, err := s.FindUserCredentials(ctx, email)
			must(t, err)
			if u.ID != m.UserID || pw != "pw-hash" {
				t.Fatalf("user %+v with hash %q", u, pw)
			}
			p, _, err := s.FindPrincipalBySession(ctx, sessHash)
			must(t, err)
			if p.User.ID != m.UserID || p.SessionID != sess.ID || p.AccountID != f.Account.ID {
				t.Fatalf("principal %+v, session %+v", p, sess)
			}
			invs, err := s.FindInvitations(ctx, f.Account.ID)
			must(t, err)
			for _, i := range invs {
				if i.ID == inv.ID && (i.AcceptedAt == nil || i.Status(clk.Now()) != "accepted") {
					t.Fatalf("accepted invitation %+v", i)
				}
			}

			before := snapshot(t, s)
			_, _, err = s.AcceptInvitation(ctx, hash, store.Acceptance{FirstName: "Eve", LastName: "Again", PasswordHash: "x", SessionTokenHash: uniqueHash("sess")})
			wantCode(t, err, domain.EGONE)
			_, err = s.FindInvitationByToken(ctx, hash)
			wantCode(t, err, domain.EGONE)
			wantUnchanged(t, s, before)
		})

		t.Run("AcceptWithExistingLogin", func(t *testing.T) {
			g := mustAccount(t, s, "Home") // its admin has a login already
			hash, _ := mustInvite(t, s, f, g.Admin.Email, domain.LevelCollaborator)
			info, err := s.FindInvitationByToken(ctx, hash)
			must(t, err)
			if !info.UserExists {
				t.Fatal("UserExists is false for an address with a login")
			}

			// Without the caller naming the (password-checked) user the store does not attach
			// the invitation to an existing login.
			before := snapshot(t, s)
			_, _, err = s.AcceptInvitation(ctx, hash, store.Acceptance{FirstName: "X", LastName: "Y", PasswordHash: "new", SessionTokenHash: uniqueHash("sess")})
			wantCode(t, err, domain.ECONFLICT)
			wantUnchanged(t, s, before)

			users := rowCount(t, s, "users")
			m, sess, err := s.AcceptInvitation(ctx, hash, store.Acceptance{UserID: g.Admin.UserID, SessionTokenHash: uniqueHash("sess")})
			must(t, err)
			if m.UserID != g.Admin.UserID || m.AccountID != f.Account.ID || sess.UserID != g.Admin.UserID || sess.AccountID != f.Account.ID {
				t.Fatalf("member %+v, session %+v", m, sess)
			}
			if n := rowCount(t, s, "users"); n != users {
				t.Fatalf("users %d, want %d", n, users)
			}
			_, pw, err := s.FindUserCredentials(ctx, g.Admin.Email)
			must(t, err)
			if pw != "admin-hash" {
				t.Fatalf("password hash changed to %q", pw)
			}
			ms, err := s.FindMemberships(ctx, g.Admin.UserID)
			must(t, err)
			if len(ms) != 2 {
				t.Fatalf("memberships %+v", ms)
			}
		})
	})
}

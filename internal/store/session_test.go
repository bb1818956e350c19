package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
	"github.com/portico-dev/portico/internal/testutil"
)

func TestSessions(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := useClock(s, t0)
		f := mustAccount(t, s, "Sessions")

		t.Run("OK", func(t *testing.T) {
			start := clk.Now()
			hash, sess := mustSession(t, s, f.Admin.UserID, f.Account.ID)
			p, lastSeen, err := s.FindPrincipalBySession(ctx, hash)
			must(t, err)
			if p.User.ID != f.Admin.UserID || p.User.Email != f.Admin.Email || p.SessionID != sess.ID || p.TokenID != "" || p.AccountID != f.Account.ID || !lastSeen.Equal(start) {
				t.Fatalf("principal %+v last seen %v", p, lastSeen)
			}
			_, _, err = s.FindPrincipalBySession(ctx, uniqueHash("unknown"))
			wantCode(t, err, domain.EUNAUTHORIZED)
		})

		t.Run("ErrIdle", func(t *testing.T) {
			start := clk.Now()
			hash, sess := mustSession(t, s, f.Admin.UserID, f.Account.ID)
			clk.Set(start.Add(domain.SessionIdleTTL - time.Second))
			if !sessionLive(t, s, hash) {
				t.Fatal("refused a second before the idle limit")
			}
			clk.Set(start.Add(domain.SessionIdleTTL + time.Second))
			if sessionLive(t, s, hash) {
				t.Fatal("accepted a session idle for more than the limit")
			}
			// Use keeps it alive: touched at day 6, it works at day 12.
			hash, sess = mustSession(t, s, f.Admin.UserID, f.Account.ID)
			start = clk.Now()
			clk.Set(start.Add(6 * 24 * time.Hour))
			must(t, s.TouchSession(ctx, sess.ID))
			clk.Set(start.Add(12 * 24 * time.Hour))
			_, lastSeen, err := s.FindPrincipalBySession(ctx, hash)
			must(t, err)
			if want := start.Add(6 * 24 * time.Hour); !lastSeen.Equal(want) {
				t.Fatalf("last seen %v, want %v", lastSeen, want)
			}
			clk.Set(start)
		})

		t.Run("ErrExpired", func(t *testing.T) {
			start := clk.Now()
			hash, sess := mustSession(t, s, f.Admin.UserID, f.Account.ID)
			// Touched every five days, it is never idle, but it still ends after SessionTTL.
			for d := 5 * 24 * time.Hour; d < domain.SessionTTL; d += 5 * 24 * time.Hour {
				clk.Set(start.Add(d))
				if !sessionLive(t, s, hash) {
					t.Fatalf("refused at %v", d)
				}
				must(t, s.TouchSession(ctx, sess.ID))
			}
			clk.Set(start.Add(domain.SessionTTL - time.Second))
			if !sessionLive(t, s, hash) {
				t.Fatal("refused a second before expiry")
			}
			clk.Set(start.Add(domain.SessionTTL + time.Second))
			if sessionLive(t, s, hash) {
				t.Fatal("accepted an expired session")
			}
			list, err := s.FindSessions(ctx, f.Admin.UserID)
			must(t, err)
			for _, x := range list {
				if x.ID == sess.ID {
					t.Fatal("FindSessions lists an expired session")
				}
			}
			clk.Set(start)
		})

		t.Run("SetPasswordEndsOtherSessions", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			h1, _ := mustSession(t, s, m.UserID, f.Account.ID)
			h2, keep := mustSession(t, s, m.UserID, f.Account.ID)
			h3, _ := mustSession(t, s, m.UserID, "")
			other, _ := mustSession(t, s, f.Admin.UserID, f.Account.ID)
			must(t, s.SetPassword(ctx, m.UserID, "new-hash", keep.ID))
			if sessionLive(t, s, h1) || sessionLive(t, s, h3) {
				t.Fatal("another session survived the password change")
			}
			if !sessionLive(t, s, h2) {
				t.Fatal("the session that changed the password was ended")
			}
			if !sessionLive(t, s, other) {
				t.Fatal("another user's session was ended")
			}
			_, pw, err := s.FindUserCredentials(ctx, m.Email)
			must(t, err)
			if pw != "new-hash" {
				t.Fatalf("hash %q", pw)
			}
			must(t, s.SetPassword(ctx, m.UserID, "newer-hash", ""))
			if sessionLive(t, s, h2) {
				t.Fatal(`SetPassword with "" kept a session`)
			}
			wantCode(t, s.SetPassword(ctx, store.NewID(), "x", ""), domain.ENOTFOUND)
		})

		t.Run("DeleteSession", func(t *testing.T) {
			h, sess := mustSession(t, s, f.Admin.UserID, "")
			m := mustMember(t, s, f, domain.LevelCollaborator)
			wantCode(t, s.DeleteSession(ctx, m.UserID, sess.ID), domain.ENOTFOUND)
			if !sessionLive(t, s, h) {
				t.Fatal("another user deleted the session")
			}
			must(t, s.DeleteSession(ctx, f.Admin.UserID, sess.ID))
			if sessionLive(t, s, h) {
				t.Fatal("deleted session still works")
			}
		})
	})
}

func TestAPITokens(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		useClock(s, t0)
		f := mustAccount(t, s, "Tokens")
		m := mustMember(t, s, f, domain.LevelCollaborator)
		hash := uniqueHash("tok")
		tok := &domain.APIToken{UserID: f.Admin.UserID, Name: "ci", Prefix: "pta_abcdef"}
		must(t, s.CreateAPIToken(ctx, tok, hash))

		p, used, err := s.FindPrincipalByToken(ctx, hash)
		must(t, err)
		if p.User.ID != f.Admin.UserID || p.TokenID != tok.ID || p.SessionID != "" || used != nil {
			t.Fatalf("principal %+v, last used %v", p, used)
		}
		must(t, s.TouchAPIToken(ctx, tok.ID))
		if _, used, err = s.FindPrincipalByToken(ctx, hash); err != nil || used == nil || !used.Equal(t0) {
			t.Fatalf("after use: last used %v, err %v", used, err)
		}
		_, _, err = s.FindPrincipalByToken(ctx, uniqueHash("unknown"))
		wantCode(t, err, domain.EUNAUTHORIZED)

		// Only the owner revokes.
		wantCode(t, s.RevokeAPIToken(ctx, m.UserID, tok.ID), domain.ENOTFOUND)
		if _, _, err := s.FindPrincipalByToken(ctx, hash); err != nil {
			t.Fatalf("after another user's revoke attempt: %v", err)
		}
		must(t, s.RevokeAPIToken(ctx, f.Admin.UserID, tok.ID))
		_, _, err = s.FindPrincipalByToken(ctx, hash)
		wantCode(t, err, domain.EUNAUTHORIZED)
		wantCode(t, s.RevokeAPIToken(ctx, f.Admin.UserID, tok.ID), domain.ENOTFOUND)

		list, err := s.FindAPITokens(ctx, f.Admin.UserID)
		must(t, err)
		if len(list) != 1 || list[0].ID != tok.ID || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t0) {
			t.Fatalf("tokens %+v", list)
		}
	})
}

func TestPasswordResets(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := useClock(s, t0)
		f := mustAccount(t, s, "Resets")
		mail := store.OutgoingMail{To: f.Admin.Email, Subject: "Reset", Text: "link"}

		t.Run("SingleUse", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			sess, _ := mustSession(t, s, m.UserID, f.Account.ID)
			mails, jobs := rowCount(t, s, "mails"), rowCount(t, s, "jobs")
			hash := uniqueHash("reset")
			must(t, s.CreatePasswordReset(ctx, m.UserID, hash, mail))
			if rowCount(t, s, "mails") != mails+1 || rowCount(t, s, "jobs") != jobs+1 {
				t.Fatal("the reset did not queue its mail and job")
			}
			older := uniqueHash("reset")
			must(t, s.CreatePasswordReset(ctx, m.UserID, older, mail))

			uid, err := s.FindPasswordReset(ctx, hash)
			must(t, err)
			if uid != m.UserID {
				t.Fatalf("reset belongs to %q, want %q", uid, m.UserID)
			}
			uid, err = s.ResetPassword(ctx, hash, "reset-hash")
			must(t, err)
			if uid != m.UserID {
				t.Fatalf("reset user %q", uid)
			}
			if sessionLive(t, s, sess) {
				t.Fatal("a session survived the password reset")
			}
			before := snapshot(t, s)
			_, err = s.ResetPassword(ctx, hash, "second-hash")
			wantCode(t, err, domain.EGONE)
			_, err = s.FindPasswordReset(ctx, hash)
			wantCode(t, err, domain.EGONE)
			// Using one link spends the user's other outstanding links too.
			_, err = s.ResetPassword(ctx, older, "older-hash")
			wantCode(t, err, domain.EGONE)
			wantUnchanged(t, s, before)
			_, pw, err := s.FindUserCredentials(ctx, m.Email)
			must(t, err)
			if pw != "reset-hash" {
				t.Fatalf("hash %q", pw)
			}
			_, err = s.FindPasswordReset(ctx, uniqueHash("unknown"))
			wantCode(t, err, domain.ENOTFOUND)
		})

		t.Run("ErrExpired", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			start := clk.Now()
			hash := uniqueHash("reset")
			must(t, s.CreatePasswordReset(ctx, m.UserID, hash, mail))
			clk.Set(start.Add(domain.PasswordResetTTL - time.Second))
			if _, err := s.FindPasswordReset(ctx, hash); err != nil {
				t.Fatalf("a second before expiry: %v", err)
			}
			clk.Set(start.Add(domain.PasswordResetTTL + time.Second))
			_, err := s.FindPasswordReset(ctx, hash)
			wantCode(t, err, domain.EGONE)
			before := snapshot(t, s)
			_, err = s.ResetPassword(ctx, hash, "late-hash")
			wantCode(t, err, domain.EGONE)
			wantUnchanged(t, s, before)
			clk.Set(start)
		})

		// Two requests racing with one link: exactly one of them sets a password.
		t.Run("ConcurrentUseOnce", func(t *testing.T) {
			m := mustMember(t, s, f, domain.LevelCollaborator)
			for round := range 10 {
				hash := uniqueHash("reset")
				must(t, s.CreatePasswordReset(ctx, m.UserID, hash, mail))
				const n = 6
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() { _, errs[i] = s.ResetPassword(ctx, hash, "racing-hash") })
				}
				wg.Wait()
				ok := 0
				for _, err := range errs {
					switch domain.ErrorCode(err) {
					case "":
						ok++
					case domain.EGONE:
					default:
						t.Fatalf("round %d: %v", round, err)
					}
				}
				if ok != 1 {
					t.Fatalf("round %d: the link worked %d times", round, ok)
				}
			}
		})
	})
}

func TestLoginFailures(t *testing.T) {
	testutil.ForEachDialect(t, func(t *testing.T, s *store.Store) {
		ctx := t.Context()
		clk := useClock(s, t0)
		const window = 15 * time.Minute
		key, other := "email:lee@example.com", "ip:192.0.2.7"

		count := func(at time.Time, k string) (int, time.Time) {
			t.Helper()
			clk.Set(at)
			n, until, err := s.LoginFailures(ctx, k, window)
			must(t, err)
			return n, until
		}
		if n, until := count(t0, key); n != 0 || !until.IsZero() {
			t.Fatalf("no failures yet: %d until %v", n, until)
		}
		for _, d := range []time.Duration{0, 5 * time.Minute, 10 * time.Minute} {
			clk.Set(t0.Add(d))
			must(t, s.RecordLoginFailure(ctx, key, other))
		}
		clk.Set(t0.Add(12 * time.Minute))
		must(t, s.RecordLoginFailure(ctx, other))

		for _, c := range []struct {
			at    time.Duration
			n     int
			until time.Duration // after t0; ignored when n is 0
		}{
			{10 * time.Minute, 3, 15 * time.Minute},
			{15*time.Minute - time.Second, 3, 15 * time.Minute},
			{16 * time.Minute, 2, 20 * time.Minute}, // the first has left the window
			{21 * time.Minute, 1, 25 * time.Minute},
			{26 * time.Minute, 0, 0},
		} {
			n, until := count(t0.Add(c.at), key)
			if n != c.n || (c.n > 0 && !until.Equal(t0.Add(c.until))) || (c.n == 0 && !until.IsZero()) {
				t.Errorf("at +%v: %d failures until %v, want %d until +%v", c.at, n, until, c.n, c.until)
			}
		}
		if n, _ := count(t0.Add(12*time.Minute), other); n != 4 {
			t.Fatalf("other key: %d failures, want 4", n)
		}
		must(t, s.ClearLoginFailures(ctx, other))
		if n, _ := count(t0.Add(12*time.Minute), other); n != 0 {
			t.Fatalf("after clearing: %d failures", n)
		}
		if n, _ := count(t0.Add(12*time.Minute), key); n != 3 {
			t.Fatalf("clearing one key cleared another: %d", n)
		}
	})
}

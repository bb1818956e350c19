package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

const invitationColumns = `i.id, i.account_id, i.email, i.level, i.invited_by, i.created_at, i.expires_at, i.accepted_at, i.revoked_at`

func scanInvitation(row interface{ Scan(...any) error }, i *domain.Invitation, extra ...any) error {
	var acc, rev sql.NullTime
	dest := append([]any{&i.ID, &i.AccountID, &i.Email, &i.Level, &i.InvitedBy, &i.CreatedAt, &i.ExpiresAt, &acc, &rev}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	i.CreatedAt, i.ExpiresAt, i.AcceptedAt, i.RevokedAt = i.CreatedAt.UTC(), i.ExpiresAt.UTC(), nullTime(acc), nullTime(rev)
	return nil
}

// CreateInvitation stores an invitation and queues its e-mail in the same transaction, so an
// invitation never exists without its mail. Older pending invitations of the same address to
// the account are revoked: only the newest link works. ECONFLICT if the address already
// belongs to an active member.
func (s *Store) CreateInvitation(ctx context.Context, inv *domain.Invitation, tokenHash string, m OutgoingMail) error {
	return s.write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `
			SELECT COUNT(*) FROM members m JOIN users u ON u.id = m.user_id
			WHERE m.account_id = $1 AND u.email = $2`, inv.AccountID, inv.Email).Scan(&n); err != nil {
			return fmt.Errorf("store: check member: %w", err)
		}
		if n > 0 {
			return domain.Errorf(domain.ECONFLICT, "%s is already a member of this account", inv.Email)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE invitations SET revoked_at = $3
			WHERE account_id = $1 AND email = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
			inv.AccountID, inv.Email, tx.now); err != nil {
			return fmt.Errorf("store: revoke older invitations: %w", err)
		}
		inv.ID, inv.CreatedAt, inv.ExpiresAt = NewID(), tx.now, tx.now.Add(domain.InvitationTTL)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO invitations (account_id, id, email, level, token_hash, invited_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			inv.AccountID, inv.ID, inv.Email, inv.Level, tokenHash, inv.InvitedBy, tx.now, inv.ExpiresAt); err != nil {
			return fmt.Errorf("store: create invitation: %w", err)
		}
		m.AccountID = inv.AccountID
		if err := tx.audit(ctx, AuditEntry{AccountID: inv.AccountID, Actor: actorFrom(ctx), Action: "invitation.create", Target: inv.Email,
			Summary: "invited " + inv.Email + " to the account as " + inv.Level.Name(), After: map[string]any{"email": inv.Email, "level": inv.Level}}); err != nil {
			return err
		}
		return tx.enqueueMail(ctx, m)
	})
}

// FindInvitations lists an account's invitations, newest first (at most 200).
func (s *Store) FindInvitations(ctx context.Context, accountID string) ([]domain.Invitation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+invitationColumns+` FROM invitations i
		WHERE i.account_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT 200`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store: find invitations: %w", err)
	}
	defer rows.Close()
	var out []domain.Invitation
	for rows.Next() {
		var i domain.Invitation
		if err := scanInvitation(rows, &i); err != nil {
			return nil, fmt.Errorf("store: find invitations: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// FindInvitationByID returns one of an account's invitations, whatever its status.
// ENOTFOUND if the account has no such invitation.
func (s *Store) FindInvitationByID(ctx context.Context, accountID, id string) (*domain.Invitation, error) {
	var i domain.Invitation
	err := scanInvitation(s.r.QueryRowContext(ctx, `SELECT `+invitationColumns+` FROM invitations i
		WHERE i.account_id = $1 AND i.id = $2`, accountID, id), &i)
	if err != nil {
		return nil, notFound(err, "invitation")
	}
	return &i, nil
}

// RevokeInvitation withdraws a pending invitation. ENOTFOUND if the account has no such
// pending invitation.
func (s *Store) RevokeInvitation(ctx context.Context, accountID, id string) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE invitations SET revoked_at = $3
			WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, accountID, id, tx.now)
		if err != nil {
			return fmt.Errorf("store: revoke invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("invitation")
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actorFrom(ctx), Action: "invitation.revoke", Target: id,
			Summary: "withdrew an account invitation"})
	})
}

// InvitationInfo is what the accept page shows about an invitation.
type InvitationInfo struct {
	domain.Invitation
	AccountName string
	UserExists  bool // the address already has a login: accepting asks for its password
}

// JoinWhat says, on the accept page, what an existing login's password will do.
func (i InvitationInfo) JoinWhat() string { return "add " + i.AccountName + " to your accounts" }

// FindInvitationByToken returns a usable invitation. ENOTFOUND for an unknown token, EGONE for
// one that was used, revoked or has expired.
func (s *Store) FindInvitationByToken(ctx context.Context, tokenHash string) (*InvitationInfo, error) {
	return findInvitationByToken(ctx, s.r, tokenHash, s.now())
}

func findInvitationByToken(ctx context.Context, q queryer, tokenHash string, now time.Time) (*InvitationInfo, error) {
	var info InvitationInfo
	var users int
	err := scanInvitation(q.QueryRowContext(ctx, `SELECT `+invitationColumns+`, a.name,
			(SELECT COUNT(*) FROM users u WHERE u.email = i.email)
		FROM invitations i JOIN accounts a ON a.id = i.account_id
		WHERE i.token_hash = $1`, tokenHash), &info.Invitation, &info.AccountName, &users)
	if err != nil {
		return nil, notFound(err, "invitation")
	}
	if st := info.Status(now); st != "pending" {
		return nil, domain.Errorf(domain.EGONE, "this invitation link has %s; ask for a new invitation", map[string]string{
			"accepted": "already been used", "revoked": "been withdrawn", "expired": "expired"}[st])
	}
	info.UserExists = users > 0
	return &info, nil
}

// Acceptance is what an invitee supplies. For a new user, names and a password hash; for an
// existing login, UserID (the caller has checked that user's password).
type Acceptance struct {
	UserID              string
	FirstName, LastName string
	PasswordHash        string
	SessionTokenHash    string
	UserAgent, IP       string
}

// AcceptInvitation uses an invitation once: it creates the user (or takes the existing one),
// makes them a member at the invited level and opens a session in the account — all or
// nothing. ENOTFOUND or EGONE as FindInvitationByToken; ECONFLICT if already a member.
func (s *Store) AcceptInvitation(ctx context.Context, tokenHash string, a Acceptance) (*domain.Member, *domain.Session, error) {
	var m *domain.Member
	var sess domain.Session
	err := s.write(ctx, func(tx *Tx) error {
		info, err := findInvitationByToken(ctx, tx, tokenHash, tx.now)
		if err != nil {
			return err
		}
		userID := a.UserID
		if userID == "" {
			u := &domain.User{Email: info.Email, FirstName: a.FirstName, LastName: a.LastName}
			if err := tx.createUser(ctx, u, a.PasswordHash); err != nil {
				return err
			}
			userID = u.ID
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE invitations SET accepted_at = $3
			WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`,
			info.AccountID, info.ID, tx.now)
		if err != nil {
			return fmt.Errorf("store: accept invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.EGONE, "this invitation link has already been used")
		}
		if m, err = tx.createMember(ctx, info.AccountID, userID, info.Level); err != nil {
			return err
		}
		if err := tx.audit(ctx, AuditEntry{AccountID: info.AccountID, Actor: AuditActor{UserID: userID, Name: info.Email}, Action: "invitation.accept",
			Target: info.Email, Summary: info.Email + " accepted the invitation and joined as " + info.Level.Name()}); err != nil {
			return err
		}
		sess = domain.Session{UserID: userID, AccountID: info.AccountID, UserAgent: a.UserAgent, IP: a.IP}
		return tx.createSession(ctx, &sess, a.SessionTokenHash)
	})
	if err != nil {
		return nil, nil, err
	}
	return m, &sess, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// ProjectInvitation invites an e-mail address into one project, on a side, at a level.
type ProjectInvitation struct {
	ID          string
	AccountID   string
	ProjectID   string
	ProjectName string
	AccountName string
	Email       string
	Side        domain.Side
	Level       domain.ProjectLevel
	Access      []domain.Access
	InvitedBy   string
	CreatedAt   time.Time
	ExpiresAt   time.Time
	AcceptedAt  *time.Time
	RevokedAt   *time.Time
	UserExists  bool
}

// JoinWhat says, on the accept page, what an existing login's password will do.
func (i ProjectInvitation) JoinWhat() string { return "join " + i.ProjectName }

// Status is pending, accepted, revoked or expired.
func (i ProjectInvitation) Status(now time.Time) string {
	return domain.Invitation{AcceptedAt: i.AcceptedAt, RevokedAt: i.RevokedAt, ExpiresAt: i.ExpiresAt}.Status(now)
}

// CreateProjectInvitation stores the invitation and its mail in one transaction, revoking older
// pending invitations of the address to the project, and records it. ECONFLICT if the address
// already takes part.
func (s *Store) CreateProjectInvitation(ctx context.Context, inv *ProjectInvitation, tokenHash string, m OutgoingMail, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `
			SELECT COUNT(*) FROM participants pt JOIN users u ON u.id = pt.user_id
			WHERE pt.account_id = $1 AND pt.project_id = $2 AND u.email = $3`, inv.AccountID, inv.ProjectID, inv.Email).Scan(&n); err != nil {
			return fmt.Errorf("store: check participant: %w", err)
		}
		if n > 0 {
			return domain.Errorf(domain.ECONFLICT, "%s already takes part in this project", inv.Email)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE project_invitations SET revoked_at = $4
			WHERE account_id = $1 AND project_id = $2 AND email = $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
			inv.AccountID, inv.ProjectID, inv.Email, tx.now); err != nil {
			return fmt.Errorf("store: revoke older invitations: %w", err)
		}
		inv.ID, inv.CreatedAt, inv.ExpiresAt = NewID(), tx.now, tx.now.Add(domain.InvitationTTL)
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO project_invitations (account_id, id, project_id, email, side, level, access, token_hash, invited_by, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
			inv.AccountID, inv.ID, inv.ProjectID, inv.Email, inv.Side, inv.Level, joinList(inv.Access), tokenHash, inv.InvitedBy,
			tx.now, inv.ExpiresAt); err != nil {
			return fmt.Errorf("store: create project invitation: %w", err)
		}
		if err := tx.audit(ctx, AuditEntry{AccountID: inv.AccountID, Actor: actor, Action: "participant.invite", ProjectID: inv.ProjectID,
			Target: inv.Email, Summary: fmt.Sprintf("invited %s to the %s side as %s", inv.Email, inv.Side, inv.Level.Name()),
			After: map[string]any{"email": inv.Email, "side": inv.Side, "level": inv.Level, "access": inv.Access}}); err != nil {
			return err
		}
		m.AccountID = inv.AccountID
		return tx.enqueueMail(ctx, m)
	})
}

const projectInvitationColumns = `i.id, i.account_id, i.project_id, p.name, a.name, i.email, i.side, i.level, i.access, i.invited_by,
	i.created_at, i.expires_at, i.accepted_at, i.revoked_at, (SELECT COUNT(*) FROM users u WHERE u.email = i.email)`

func scanProjectInvitation(row interface{ Scan(...any) error }, i *ProjectInvitation) error {
	var access string
	var acc, rev sql.NullTime
	var users int
	if err := row.Scan(&i.ID, &i.AccountID, &i.ProjectID, &i.ProjectName, &i.AccountName, &i.Email, &i.Side, &i.Level, &access,
		&i.InvitedBy, &i.CreatedAt, &i.ExpiresAt, &acc, &rev, &users); err != nil {
		return err
	}
	i.Access, i.AcceptedAt, i.RevokedAt, i.UserExists = accessList(access), nullTime(acc), nullTime(rev), users > 0
	i.CreatedAt, i.ExpiresAt = i.CreatedAt.UTC(), i.ExpiresAt.UTC()
	return nil
}

const projectInvitationFrom = `FROM project_invitations i
	JOIN projects p ON p.account_id = i.account_id AND p.id = i.project_id
	JOIN accounts a ON a.id = i.account_id`

// FindProjectInvitationByToken returns a usable project invitation: ENOTFOUND for an unknown
// token, EGONE for a used, withdrawn or expired one.
func (s *Store) FindProjectInvitationByToken(ctx context.Context, tokenHash string) (*ProjectInvitation, error) {
	return findProjectInvitation(ctx, s.r, tokenHash, s.now())
}

func findProjectInvitation(ctx context.Context, q queryer, tokenHash string, now time.Time) (*ProjectInvitation, error) {
	var i ProjectInvitation
	if err := scanProjectInvitation(q.QueryRowContext(ctx, `SELECT `+projectInvitationColumns+` `+projectInvitationFrom+` WHERE i.token_hash = $1`, tokenHash), &i); err != nil {
		return nil, notFound(err, "invitation")
	}
	if st := i.Status(now); st != "pending" {
		return nil, domain.Errorf(domain.EGONE, "this invitation link is %s; ask for a new invitation", st)
	}
	return &i, nil
}

// FindProjectInvitations lists a project's invitations, newest first.
func (s *Store) FindProjectInvitations(ctx context.Context, accountID, projectID string) ([]ProjectInvitation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+projectInvitationColumns+` `+projectInvitationFrom+`
		WHERE i.account_id = $1 AND i.project_id = $2 ORDER BY i.created_at DESC, i.id DESC LIMIT 200`, accountID, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: project invitations: %w", err)
	}
	defer rows.Close()
	var out []ProjectInvitation
	for rows.Next() {
		var i ProjectInvitation
		if err := scanProjectInvitation(rows, &i); err != nil {
			return nil, fmt.Errorf("store: project invitations: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// AcceptProjectInvitation uses a project invitation once: it creates the user (or takes the
// existing login), adds them to the project as invited and opens a session — all or nothing.
// The session's current account is the project's when the user is a member there, else none.
func (s *Store) AcceptProjectInvitation(ctx context.Context, tokenHash string, a Acceptance) (*domain.Session, error) {
	var sess domain.Session
	err := s.write(ctx, func(tx *Tx) error {
		inv, err := findProjectInvitation(ctx, tx, tokenHash, tx.now)
		if err != nil {
			return err
		}
		userID := a.UserID
		if userID == "" {
			u := &domain.User{Email: inv.Email, FirstName: a.FirstName, LastName: a.LastName}
			if err := tx.createUser(ctx, u, a.PasswordHash); err != nil {
				return err
			}
			userID = u.ID
		}
		res, err := tx.ExecContext(ctx, `UPDATE project_invitations SET accepted_at = $3
			WHERE account_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL`, inv.AccountID, inv.ID, tx.now)
		if err != nil {
			return fmt.Errorf("store: accept project invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.EGONE, "this invitation link has already been used")
		}
		p := &domain.Participant{AccountID: inv.AccountID, ProjectID: inv.ProjectID, UserID: userID, Email: inv.Email,
			Side: inv.Side, Level: inv.Level, Access: inv.Access}
		if err := tx.insertParticipant(ctx, p); err != nil {
			return err
		}
		if err := tx.bumpRevision(ctx, inv.AccountID, inv.ProjectID, 0); err != nil {
			return err
		}
		if err := tx.audit(ctx, AuditEntry{AccountID: inv.AccountID, Actor: AuditActor{UserID: userID, Name: inv.Email},
			Action: "participant.accept", ProjectID: inv.ProjectID, Target: inv.Email,
			Summary: inv.Email + " accepted the invitation to " + inv.ProjectName, After: participantState(*p)}); err != nil {
			return err
		}
		// Named as everyone in the project may see them: never by e-mail address.
		var first, last string
		if err := tx.QueryRowContext(ctx, `SELECT first_name, last_name FROM users WHERE id = $1`, userID).Scan(&first, &last); err != nil {
			return fmt.Errorf("store: joiner: %w", err)
		}
		name := strings.TrimSpace(first + " " + last)
		if name == "" {
			name = "A new participant"
		}
		if err := tx.systemPost(ctx, inv.AccountID, inv.ProjectID, name+" accepted the invitation and joined the project."); err != nil {
			return err
		}
		var memberActive sql.NullBool
		if err := tx.QueryRowContext(ctx, `SELECT active FROM members WHERE account_id = $1 AND user_id = $2`, inv.AccountID, userID).Scan(&memberActive); err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("store: membership: %w", err)
		}
		sess = domain.Session{UserID: userID, UserAgent: a.UserAgent, IP: a.IP}
		if memberActive.Bool {
			sess.AccountID = inv.AccountID
		}
		return tx.createSession(ctx, &sess, a.SessionTokenHash)
	})
	if err != nil {
		return nil, err
	}
	return &sess, nil
}

// RevokeProjectInvitation withdraws a pending project invitation. ENOTFOUND if there is none.
func (s *Store) RevokeProjectInvitation(ctx context.Context, accountID, projectID, id string, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE project_invitations SET revoked_at = $4
			WHERE account_id = $1 AND project_id = $2 AND id = $3 AND accepted_at IS NULL AND revoked_at IS NULL`,
			accountID, projectID, id, tx.now)
		if err != nil {
			return fmt.Errorf("store: revoke project invitation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("invitation")
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actor, Action: "participant.invite_revoke", ProjectID: projectID,
			Target: id, Summary: "withdrew a project invitation"})
	})
}

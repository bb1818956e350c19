package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/portico-dev/portico/internal/domain"
)

const participantColumns = `pt.project_id, pt.account_id, pt.user_id, u.email, u.first_name, u.last_name, pt.side, pt.level,
	pt.access, pt.team_lead, pt.hidden, pt.joined_at, COALESCE(m.level, ''), (m.id IS NULL)`

// participantJoins brings the user and their membership in the project's account (absent for
// external participants).
const participantJoins = `FROM participants pt
	JOIN users u ON u.id = pt.user_id
	LEFT JOIN members m ON m.account_id = pt.account_id AND m.user_id = pt.user_id`

func scanParticipant(row interface{ Scan(...any) error }, p *domain.Participant) error {
	var access string
	if err := row.Scan(&p.ProjectID, &p.AccountID, &p.UserID, &p.Email, &p.FirstName, &p.LastName, &p.Side, &p.Level,
		&access, &p.TeamLead, &p.Hidden, &p.JoinedAt, &p.AccountLevel, &p.External); err != nil {
		return err
	}
	p.Access = accessList(access)
	p.JoinedAt = p.JoinedAt.UTC()
	return nil
}

func accessList(s string) []domain.Access {
	out := []domain.Access{}
	for _, a := range splitList(s) {
		out = append(out, domain.Access(a))
	}
	return out
}

func (tx *Tx) insertParticipant(ctx context.Context, p *domain.Participant) error {
	p.JoinedAt = tx.now
	_, err := tx.ExecContext(ctx, `
		INSERT INTO participants (account_id, project_id, user_id, side, level, access, team_lead, hidden, joined_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.AccountID, p.ProjectID, p.UserID, p.Side, p.Level, joinList(p.Access), p.TeamLead, p.Hidden, tx.now)
	if isUniqueViolation(err) {
		return domain.Errorf(domain.ECONFLICT, "%s already takes part in this project", p.Email)
	}
	if err != nil {
		return fmt.Errorf("store: add participant: %w", err)
	}
	return nil
}

// FindParticipants lists a project's participants: provider side first, then by name.
func (s *Store) FindParticipants(ctx context.Context, accountID, projectID string) ([]domain.Participant, error) {
	return findParticipants(ctx, s.r, accountID, projectID)
}

func findParticipants(ctx context.Context, q queryer, accountID, projectID string) ([]domain.Participant, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+participantColumns+` `+participantJoins+`
		WHERE pt.account_id = $1 AND pt.project_id = $2
		ORDER BY pt.side DESC, LOWER(u.first_name), LOWER(u.last_name), u.id`, accountID, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: participants: %w", err)
	}
	defer rows.Close()
	var out []domain.Participant
	for rows.Next() {
		var p domain.Participant
		if err := scanParticipant(rows, &p); err != nil {
			return nil, fmt.Errorf("store: participants: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddParticipant adds a person to a project, bumps the project's revision and records it.
// ECONFLICT if they already take part.
func (s *Store) AddParticipant(ctx context.Context, p *domain.Participant, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		if err := tx.insertParticipant(ctx, p); err != nil {
			return err
		}
		if err := tx.bumpRevision(ctx, p.AccountID, p.ProjectID, 0); err != nil {
			return err
		}
		return tx.audit(ctx, AuditEntry{AccountID: p.AccountID, Actor: actor, Action: "participant.add", ProjectID: p.ProjectID,
			Target: p.Email, Summary: fmt.Sprintf("added %s on the %s side as %s", p.Email, p.Side, p.Level.Name()), After: participantState(*p)})
	})
}

// bumpRevision increments a project's participant revision. With expected > 0 it must match
// (optimistic concurrency for the permissions page): ECONFLICT when someone saved first.
func (tx *Tx) bumpRevision(ctx context.Context, accountID, projectID string, expected int64) error {
	res, err := tx.ExecContext(ctx, `
		UPDATE projects SET revision = revision + 1, updated_at = $4
		WHERE account_id = $1 AND id = $2 AND ($3 = 0 OR revision = $3)`, accountID, projectID, expected, tx.now)
	if err != nil {
		return fmt.Errorf("store: bump revision: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.ECONFLICT, "someone else changed the permissions of this project since you opened them; reload and try again")
	}
	return nil
}

// ParticipantChange is one row of a permissions-page save. Nil fields stay.
type ParticipantChange struct {
	UserID   string
	Level    *domain.ProjectLevel
	Access   *[]domain.Access
	TeamLead *bool
	Side     *domain.Side
	Hidden   *bool
	Remove   bool
}

// ChangeCheck validates a batch in the transaction: it sees the participants before and after
// (removed ones absent from after) and returns an error to refuse the whole batch.
type ChangeCheck func(before, after []domain.Participant) error

// ApplyParticipantChanges applies a batch all-or-nothing, provided the project's revision is
// still expected (ECONFLICT otherwise, changing nothing). check runs on the would-be result
// inside the transaction. Every changed participant is audited. Returns the new revision.
func (s *Store) ApplyParticipantChanges(ctx context.Context, accountID, projectID string, expected int64, changes []ParticipantChange, check ChangeCheck, actor AuditActor) (int64, error) {
	var rev int64
	err := s.write(ctx, func(tx *Tx) error {
		if err := tx.bumpRevision(ctx, accountID, projectID, expected); err != nil {
			return err
		}
		before, err := findParticipants(ctx, tx, accountID, projectID)
		if err != nil {
			return err
		}
		after, removed, err := applyChanges(before, changes)
		if err != nil {
			return err
		}
		if err := check(before, after); err != nil {
			return err
		}
		if err := tx.writeParticipants(ctx, before, after, removed, actor); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT revision FROM projects WHERE account_id = $1 AND id = $2`, accountID, projectID).Scan(&rev)
	})
	return rev, err
}

// applyChanges computes the participants after a batch. ENOTFOUND (as EINVALID on the row) when
// a change names someone who does not take part.
func applyChanges(before []domain.Participant, changes []ParticipantChange) (after []domain.Participant, removed []domain.Participant, err error) {
	byUser := map[string]int{}
	after = slices.Clone(before)
	for i := range after {
		byUser[after[i].UserID] = i
		after[i].Access = slices.Clone(after[i].Access)
	}
	gone := map[string]bool{}
	var v domain.Validator
	for i, c := range changes {
		idx, ok := byUser[c.UserID]
		if !ok {
			v.Add(fmt.Sprintf("changes[%d].user_id", i), "this person does not take part in the project")
			continue
		}
		p := &after[idx]
		if c.Remove {
			gone[c.UserID] = true
			continue
		}
		if c.Side != nil && *c.Side != p.Side {
			p.Side, p.TeamLead = *c.Side, false
		}
		if c.Level != nil {
			p.Level = *c.Level
		}
		if c.Access != nil {
			p.Access = *c.Access
		}
		if c.Hidden != nil {
			p.Hidden = *c.Hidden
		}
		if c.TeamLead != nil && *c.TeamLead {
			// One team lead per side: choosing one unchooses the other.
			for j := range after {
				if after[j].Side == p.Side {
					after[j].TeamLead = false
				}
			}
		}
		if c.TeamLead != nil {
			p.TeamLead = *c.TeamLead
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	kept := after[:0:0]
	for _, p := range after {
		if gone[p.UserID] {
			removed = append(removed, p)
		} else {
			kept = append(kept, p)
		}
	}
	return kept, removed, nil
}

// writeParticipants stores the rows that changed. Team leads are cleared before they are set,
// so the one-lead-per-side index never sees two at once.
func (tx *Tx) writeParticipants(ctx context.Context, before, after, removed []domain.Participant, actor AuditActor) error {
	old := map[string]domain.Participant{}
	for _, p := range before {
		old[p.UserID] = p
	}
	for _, p := range removed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM participants WHERE account_id = $1 AND project_id = $2 AND user_id = $3`,
			p.AccountID, p.ProjectID, p.UserID); err != nil {
			return fmt.Errorf("store: remove participant: %w", err)
		}
		if err := tx.audit(ctx, AuditEntry{AccountID: p.AccountID, Actor: actor, Action: "participant.remove", ProjectID: p.ProjectID,
			Target: p.Email, Summary: "removed " + p.FullName() + " from the project", Before: participantState(p)}); err != nil {
			return err
		}
	}
	var changed []domain.Participant
	for _, p := range after {
		if !sameParticipant(old[p.UserID], p) {
			changed = append(changed, p)
		}
	}
	for _, p := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE participants SET team_lead = FALSE WHERE account_id = $1 AND project_id = $2 AND user_id = $3`,
			p.AccountID, p.ProjectID, p.UserID); err != nil {
			return fmt.Errorf("store: change participant: %w", err)
		}
	}
	for _, p := range changed {
		if _, err := tx.ExecContext(ctx, `
			UPDATE participants SET side = $4, level = $5, access = $6, team_lead = $7, hidden = $8
			WHERE account_id = $1 AND project_id = $2 AND user_id = $3`,
			p.AccountID, p.ProjectID, p.UserID, p.Side, p.Level, joinList(p.Access), p.TeamLead, p.Hidden); err != nil {
			if isUniqueViolation(err) {
				return domain.Errorf(domain.ECONFLICT, "each side has one team lead")
			}
			return fmt.Errorf("store: change participant: %w", err)
		}
		o := old[p.UserID]
		if err := tx.audit(ctx, AuditEntry{AccountID: p.AccountID, Actor: actor, Action: changeAction(o, p), ProjectID: p.ProjectID,
			Target: p.Email, Summary: describeChange(o, p), Before: participantState(o), After: participantState(p)}); err != nil {
			return err
		}
	}
	return nil
}

func sameParticipant(a, b domain.Participant) bool {
	return a.Side == b.Side && a.Level == b.Level && a.TeamLead == b.TeamLead && a.Hidden == b.Hidden && slices.Equal(sortedAccess(a.Access), sortedAccess(b.Access))
}

func sortedAccess(as []domain.Access) []domain.Access {
	out := slices.Clone(as)
	slices.Sort(out)
	return out
}

func changeAction(o, p domain.Participant) string {
	switch {
	case o.Side != p.Side:
		return "participant.move"
	case o.Level != p.Level:
		return "participant.level"
	case o.TeamLead != p.TeamLead:
		return "participant.team_lead"
	}
	return "participant.access"
}

func describeChange(o, p domain.Participant) string {
	s := p.FullName() + ":"
	if o.Side != p.Side {
		s += fmt.Sprintf(" moved from the %s side to the %s side;", o.Side, p.Side)
	}
	if o.Level != p.Level {
		s += fmt.Sprintf(" level %s → %s;", o.Level.Name(), p.Level.Name())
	}
	if !slices.Equal(sortedAccess(o.Access), sortedAccess(p.Access)) {
		s += " additional access changed;"
	}
	if o.TeamLead != p.TeamLead {
		if p.TeamLead {
			s += " made team lead;"
		} else {
			s += " no longer team lead;"
		}
	}
	if o.Hidden != p.Hidden {
		s += fmt.Sprintf(" hidden from clients: %v;", p.Hidden)
	}
	return s[:len(s)-1]
}

// participantState is what the audit log keeps of a participant.
func participantState(p domain.Participant) map[string]any {
	return map[string]any{"user_id": p.UserID, "email": p.Email, "side": p.Side, "level": p.Level,
		"access": p.Access, "team_lead": p.TeamLead, "hidden": p.Hidden}
}

// ProjectAccess is everything the access layer needs about one user and one project, loaded in
// one query: the project, the user's membership in its account, their participation, whether
// a client can decide proposals, and the user's access-group capabilities there.
type ProjectAccess struct {
	Project          domain.Project
	Account          domain.Account
	MemberLevel      domain.AccountLevel // "" when not a member of the project's account
	MemberActive     bool
	Capabilities     []domain.Capability
	Participant      *domain.Participant
	HasClientDecider bool
}

// LoadProjectAccess loads a project and the user's standing in it with one query. ENOTFOUND if
// the project does not exist (visibility is the access layer's to decide).
func (s *Store) LoadProjectAccess(ctx context.Context, projectID, userID string) (*ProjectAccess, error) {
	var pa ProjectAccess
	var mLevel, caps, side, level, access sql.NullString
	var mActive, lead, hidden sql.NullBool
	var joined sql.NullTime
	var decider bool
	err := scanProject(s.r.QueryRowContext(ctx, `
		SELECT `+projectColumns+`, `+accountColumns+`, m.level, m.active,
			(SELECT `+s.dialect.groupConcat("g.capabilities")+` FROM access_group_members gm
			   JOIN access_groups g ON g.account_id = gm.account_id AND g.id = gm.group_id
			  WHERE gm.account_id = p.account_id AND gm.member_id = m.id),
			pt.side, pt.level, pt.access, pt.team_lead, pt.hidden, pt.joined_at,
			EXISTS (SELECT 1 FROM participants c WHERE c.account_id = p.account_id AND c.project_id = p.id
			          AND c.side = 'client' AND c.level IN ('edit_financials', 'project_admin'))
		FROM projects p
		JOIN accounts a ON a.id = p.account_id
		LEFT JOIN members m ON m.account_id = p.account_id AND m.user_id = $2
		LEFT JOIN participants pt ON pt.account_id = p.account_id AND pt.project_id = p.id AND pt.user_id = $2
		WHERE p.id = $1`, projectID, userID), &pa.Project,
		&pa.Account.ID, &pa.Account.Name, &pa.Account.Settings.ProviderSideName, &pa.Account.Settings.ClientSideName,
		&pa.Account.Settings.DefaultPostPrivacy, &pa.Account.Settings.ExternalFinancialAllowed,
		&pa.Account.Settings.ProviderSideMembersOnly, &pa.Account.Settings.Currency, &pa.Account.Settings.BrandColor,
		&pa.Account.CreatedAt, &mLevel, &mActive, &caps, &side, &level, &access, &lead, &hidden, &joined, &decider)
	if err != nil {
		return nil, notFound(err, "project")
	}
	pa.MemberLevel, pa.MemberActive, pa.HasClientDecider = domain.AccountLevel(mLevel.String), mActive.Bool, decider
	for _, c := range splitList(caps.String) {
		pa.Capabilities = append(pa.Capabilities, domain.Capability(c))
	}
	if side.Valid {
		pa.Participant = &domain.Participant{ProjectID: projectID, AccountID: pa.Project.AccountID, UserID: userID,
			Side: domain.Side(side.String), Level: domain.ProjectLevel(level.String), Access: accessList(access.String),
			TeamLead: lead.Bool, Hidden: hidden.Bool, External: !mLevel.Valid, AccountLevel: pa.MemberLevel, JoinedAt: joined.Time.UTC()}
	}
	return &pa, nil
}

// HasExternalParticipation reports whether the user takes part in a project of an account they
// are not a member of (a client with a login only): such people may sign in without a
// membership.
func (s *Store) HasExternalParticipation(ctx context.Context, userID string) (bool, error) {
	var ok bool
	err := s.r.QueryRowContext(ctx, `
		SELECT EXISTS (SELECT 1 FROM participants pt
			LEFT JOIN members m ON m.account_id = pt.account_id AND m.user_id = pt.user_id
			WHERE pt.user_id = $1 AND m.id IS NULL)`, userID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: external participation: %w", err)
	}
	return ok, nil
}

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

const projectColumns = `p.id, p.account_id, p.name, p.description, p.client_company, p.start_date, p.due_date,
	p.financial, p.currency, p.privacy, p.status, p.status_note, p.provider_side_name, p.client_side_name,
	p.default_post_privacy, p.schedule_approval, p.time_approval, p.expense_approval, p.created_by,
	p.archived_at, p.revision, p.created_at`

// projectReturning is projectColumns without the table alias, which SQLite's RETURNING does
// not accept.
var projectReturning = strings.ReplaceAll(projectColumns, "p.", "")

func scanProject(row interface{ Scan(...any) error }, p *domain.Project, extra ...any) error {
	var start, due sql.NullString
	var archived sql.NullTime
	st := &p.Settings
	dest := append([]any{&p.ID, &p.AccountID, &p.Name, &p.Description, &p.ClientCompany, &start, &due,
		&p.Financial, &p.Currency, &p.Privacy, &p.Status, &p.StatusNote, &st.ProviderSideName, &st.ClientSideName,
		&st.DefaultPostPrivacy, &st.ScheduleApproval, &st.TimeApproval, &st.ExpenseApproval, &p.CreatedBy,
		&archived, &p.Revision, &p.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return err
	}
	p.StartDate, p.DueDate, p.ArchivedAt = dateOf(start), dateOf(due), nullTime(archived)
	p.CreatedAt = p.CreatedAt.UTC()
	return nil
}

func dateOf(s sql.NullString) *domain.Date {
	if !s.Valid || s.String == "" {
		return nil
	}
	d, err := domain.ParseDate(s.String)
	if err != nil {
		return nil
	}
	return &d
}

func dateArg(d *domain.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

// CreateProject stores a project and makes its creator a provider-side Project
// Administrator, with an audit entry — one transaction.
func (s *Store) CreateProject(ctx context.Context, p *domain.Project, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		p.ID, p.CreatedAt, p.Revision = NewID(), tx.now, 1
		st := p.Settings
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO projects (account_id, id, name, description, client_company, start_date, due_date, financial,
				currency, privacy, status, status_note, provider_side_name, client_side_name, default_post_privacy,
				schedule_approval, time_approval, expense_approval, created_by, revision, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1, $20, $20)`,
			p.AccountID, p.ID, p.Name, p.Description, p.ClientCompany, dateArg(p.StartDate), dateArg(p.DueDate), p.Financial,
			p.Currency, p.Privacy, p.Status, p.StatusNote, st.ProviderSideName, st.ClientSideName, st.DefaultPostPrivacy,
			st.ScheduleApproval, st.TimeApproval, st.ExpenseApproval, p.CreatedBy, tx.now); err != nil {
			return fmt.Errorf("store: create project: %w", err)
		}
		creator := &domain.Participant{ProjectID: p.ID, AccountID: p.AccountID, UserID: p.CreatedBy,
			Side: domain.SideProvider, Level: domain.PLProjectAdmin, TeamLead: true}
		if err := tx.insertParticipant(ctx, creator); err != nil {
			return err
		}
		return tx.audit(ctx, AuditEntry{AccountID: p.AccountID, Actor: actor, Action: "project.create", ProjectID: p.ID,
			Target: p.Name, Summary: "created project " + p.Name, After: p})
	})
}

// FindProjectByID returns a project by id, whatever its account. ENOTFOUND if there is none;
// callers decide visibility with the access layer before showing anything.
func (s *Store) FindProjectByID(ctx context.Context, id string) (*domain.Project, error) {
	var p domain.Project
	if err := scanProject(s.r.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects p WHERE p.id = $1`, id), &p); err != nil {
		return nil, notFound(err, "project")
	}
	return &p, nil
}

// ProjectUpdate is a change to a project's info and settings (validated by the caller).
type ProjectUpdate struct {
	Name, Description, ClientCompany string
	StartDate, DueDate               *domain.Date
	Privacy                          domain.ProjectPrivacy
	Settings                         domain.ProjectSettings
	Financial                        bool
}

// UpdateProject replaces a project's info and settings and records the change in the audit
// log. ENOTFOUND if there is no such project.
func (s *Store) UpdateProject(ctx context.Context, accountID, id string, u ProjectUpdate, actor AuditActor) (*domain.Project, error) {
	var out domain.Project
	err := s.write(ctx, func(tx *Tx) error {
		before, err := tx.findProject(ctx, accountID, id)
		if err != nil {
			return err
		}
		st := u.Settings
		err = scanProject(tx.QueryRowContext(ctx, `
			UPDATE projects SET name = $3, description = $4, client_company = $5, start_date = $6, due_date = $7,
				privacy = $8, provider_side_name = $9, client_side_name = $10, default_post_privacy = $11,
				schedule_approval = $12, time_approval = $13, expense_approval = $14, financial = $15, updated_at = $16
			WHERE account_id = $1 AND id = $2
			RETURNING `+projectReturning,
			accountID, id, u.Name, u.Description, u.ClientCompany, dateArg(u.StartDate), dateArg(u.DueDate), u.Privacy,
			st.ProviderSideName, st.ClientSideName, st.DefaultPostPrivacy, st.ScheduleApproval, st.TimeApproval,
			st.ExpenseApproval, u.Financial, tx.now), &out)
		if err != nil {
			return notFound(err, "project")
		}
		if dateArg(before.StartDate) != dateArg(out.StartDate) || dateArg(before.DueDate) != dateArg(out.DueDate) {
			// A change of the dates through the project's info is in the Schedule tab's history too.
			if _, err := tx.ExecContext(ctx, `INSERT INTO schedule_changes (account_id, id, project_id, start_date, due_date, changed_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, accountID, NewID(), id, dateArg(out.StartDate), dateArg(out.DueDate), actor.UserID, tx.now); err != nil {
				return fmt.Errorf("store: schedule change: %w", err)
			}
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actor, Action: "project.update", ProjectID: id,
			Target: out.Name, Summary: "changed the info or settings of " + out.Name, Before: before, After: &out})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func (tx *Tx) findProject(ctx context.Context, accountID, id string) (*domain.Project, error) {
	var p domain.Project
	if err := scanProject(tx.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects p WHERE p.account_id = $1 AND p.id = $2`, accountID, id), &p); err != nil {
		return nil, notFound(err, "project")
	}
	return &p, nil
}

// SetProjectArchived archives (true) or restores (false) a project, with an audit entry.
func (s *Store) SetProjectArchived(ctx context.Context, accountID, id string, archived bool, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		p, err := tx.findProject(ctx, accountID, id)
		if err != nil {
			return err
		}
		var at any
		action, verb := "project.restore", "restored "
		if archived {
			at, action, verb = tx.now, "project.archive", "archived "
		}
		if _, err := tx.ExecContext(ctx, `UPDATE projects SET archived_at = $3, updated_at = $4 WHERE account_id = $1 AND id = $2`,
			accountID, id, at, tx.now); err != nil {
			return fmt.Errorf("store: archive project: %w", err)
		}
		return tx.audit(ctx, AuditEntry{AccountID: accountID, Actor: actor, Action: action, ProjectID: id, Target: p.Name, Summary: verb + p.Name})
	})
}

// StatusChange is one entry of a project's status history.
type StatusChange struct {
	Status    domain.ProjectStatus
	Note      string
	SetBy     string
	SetByName string
	At        time.Time
}

// SetProjectStatus records a new status with its note in the project and its history.
func (s *Store) SetProjectStatus(ctx context.Context, accountID, id string, st domain.ProjectStatus, note string, actor AuditActor) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE projects SET status = $3, status_note = $4, updated_at = $5 WHERE account_id = $1 AND id = $2`,
			accountID, id, st, note, tx.now)
		if err != nil {
			return fmt.Errorf("store: set status: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.NotFound("project")
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO project_status_history (account_id, id, project_id, status, note, set_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, accountID, NewID(), id, st, note, actor.UserID, tx.now)
		if err != nil {
			return fmt.Errorf("store: status history: %w", err)
		}
		return nil
	})
}

// FindStatusHistory lists a project's status changes, newest first.
func (s *Store) FindStatusHistory(ctx context.Context, accountID, projectID string) ([]StatusChange, error) {
	rows, err := s.r.QueryContext(ctx, `
		SELECT h.status, h.note, h.set_by, TRIM(u.first_name || ' ' || u.last_name), h.created_at
		FROM project_status_history h JOIN users u ON u.id = h.set_by
		WHERE h.account_id = $1 AND h.project_id = $2
		ORDER BY h.created_at DESC, h.id DESC LIMIT 100`, accountID, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: status history: %w", err)
	}
	defer rows.Close()
	var out []StatusChange
	for rows.Next() {
		var c StatusChange
		if err := rows.Scan(&c.Status, &c.Note, &c.SetBy, &c.SetByName, &c.At); err != nil {
			return nil, fmt.Errorf("store: status history: %w", err)
		}
		c.At = c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// ProjectListItem is a project in a list, with the viewer's side and level in it (empty when
// the viewer sees it through account-wide access).
type ProjectListItem struct {
	domain.Project
	AccountName string
	Side        domain.Side
	Level       domain.ProjectLevel
}

// ProjectFilter selects a page of projects: those UserID takes part in (any account, except
// where the user is a deactivated member), plus AccountID's projects that account-wide access
// (All, Open, OpenAdmins — decided by the access layer) lets the user see.
type ProjectFilter struct {
	UserID     string
	AccountID  string
	All        bool // every project of AccountID (Account Administrators, "view all projects")
	Open       bool // also AccountID's projects open to all account members ("view open projects")
	OpenAdmins bool // also AccountID's projects open to project-administrator-level members
	Archived   bool
	Search     string
	Cursor     string
	Limit      int
}

// FindProjects lists the projects the filter allows, by name, keyset-paginated on (name, id).
func (s *Store) FindProjects(ctx context.Context, f ProjectFilter) ([]ProjectListItem, string, error) {
	afterName, afterID, err := decodeNameCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := clampLimit(f.Limit)
	search := ""
	if f.Search != "" {
		search = "%" + strings.ToLower(strings.NewReplacer("%", "", "_", "").Replace(f.Search)) + "%"
	}
	// Visibility is decided here, in the query, so pages and counts never include what the
	// user may not see: participation (not inert through a deactivated membership), or
	// account-wide access to AccountID.
	rows, err := s.r.QueryContext(ctx, `
		SELECT `+projectColumns+`, a.name, COALESCE(pt.side, ''), COALESCE(pt.level, '')
		FROM projects p
		JOIN accounts a ON a.id = p.account_id
		LEFT JOIN participants pt ON pt.account_id = p.account_id AND pt.project_id = p.id AND pt.user_id = $1
		LEFT JOIN members m ON m.account_id = p.account_id AND m.user_id = $1
		WHERE ((pt.user_id IS NOT NULL AND (m.id IS NULL OR m.active))
		       OR (p.account_id = $2 AND ($3 OR ($4 AND p.privacy = 'open_to_members') OR ($10 AND p.privacy = 'open_to_admins'))))
		  AND ((p.archived_at IS NOT NULL) = $5)
		  AND ($6 = '' OR LOWER(p.name) LIKE $6 OR LOWER(p.client_company) LIKE $6)
		  AND (p.name > $7 OR (p.name = $7 AND p.id > $8))
		ORDER BY p.name, p.id
		LIMIT $9`, f.UserID, f.AccountID, f.All, f.Open, f.Archived, search, afterName, afterID, limit+1, f.OpenAdmins)
	if err != nil {
		return nil, "", fmt.Errorf("store: find projects: %w", err)
	}
	defer rows.Close()
	var out []ProjectListItem
	for rows.Next() {
		var it ProjectListItem
		if err := scanProject(rows, &it.Project, &it.AccountName, &it.Side, &it.Level); err != nil {
			return nil, "", fmt.Errorf("store: find projects: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: find projects: %w", err)
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = encodeNameCursor(last.Name, last.ID)
	}
	return out, next, nil
}

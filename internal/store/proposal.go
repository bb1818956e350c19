package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

const proposalColumns = `pr.id, pr.account_id, pr.project_id, pr.kind, pr.proposed_by, TRIM(u.first_name || ' ' || u.last_name), pr.by_client,
	pr.start_date, pr.due_date, pr.amount_minor, pr.comment, pr.status, COALESCE(pr.decided_by, ''),
	COALESCE(TRIM(d.first_name || ' ' || d.last_name), ''), pr.decided_at, pr.decision_comment, pr.created_at`

const proposalFrom = `FROM proposals pr JOIN users u ON u.id = pr.proposed_by LEFT JOIN users d ON d.id = pr.decided_by`

func scanProposal(row interface{ Scan(...any) error }, p *domain.Proposal) error {
	var start, due sql.NullString
	var amount sql.NullInt64
	var decided sql.NullTime
	if err := row.Scan(&p.ID, &p.AccountID, &p.ProjectID, &p.Kind, &p.ProposedBy, &p.ProposedByName, &p.ByClient, &start, &due, &amount,
		&p.Comment, &p.Status, &p.DecidedBy, &p.DecidedByName, &decided, &p.DecisionComment, &p.CreatedAt); err != nil {
		return err
	}
	p.StartDate, p.DueDate, p.AmountMinor, p.DecidedAt = dateOf(start), dateOf(due), nullInt(amount), nullTime(decided)
	p.CreatedAt = p.CreatedAt.UTC()
	return nil
}

// CreateProposal stores an open proposal and announces it in the feed, in one transaction.
// ECONFLICT while another proposal of its kind is open in the project.
func (s *Store) CreateProposal(ctx context.Context, p *domain.Proposal, announce string) error {
	return s.write(ctx, func(tx *Tx) error {
		p.ID, p.CreatedAt, p.Status = NewID(), tx.now, "open"
		_, err := tx.ExecContext(ctx, `
			INSERT INTO proposals (account_id, id, project_id, kind, proposed_by, by_client, start_date, due_date, amount_minor, comment, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'open', $11)`,
			p.AccountID, p.ID, p.ProjectID, p.Kind, p.ProposedBy, p.ByClient, dateArg(p.StartDate), dateArg(p.DueDate), intArg(p.AmountMinor), p.Comment, tx.now)
		if isUniqueViolation(err) {
			return domain.Errorf(domain.ECONFLICT, "another proposal is open: it must be decided or withdrawn first")
		}
		if err != nil {
			return fmt.Errorf("store: create proposal: %w", err)
		}
		return tx.systemPost(ctx, p.AccountID, p.ProjectID, announce)
	})
}

// FindProposal returns a proposal. ENOTFOUND if there is none.
func (s *Store) FindProposal(ctx context.Context, id string) (*domain.Proposal, error) {
	var p domain.Proposal
	if err := scanProposal(s.r.QueryRowContext(ctx, `SELECT `+proposalColumns+` `+proposalFrom+` WHERE pr.id = $1`, id), &p); err != nil {
		return nil, notFound(err, "proposal")
	}
	return &p, nil
}

// FindProposals lists a project's proposals of a kind, newest first.
func (s *Store) FindProposals(ctx context.Context, accountID, projectID, kind string) ([]domain.Proposal, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+proposalColumns+` `+proposalFrom+`
		WHERE pr.account_id = $1 AND pr.project_id = $2 AND pr.kind = $3 ORDER BY pr.created_at DESC, pr.id DESC LIMIT 200`, accountID, projectID, kind)
	if err != nil {
		return nil, fmt.Errorf("store: proposals: %w", err)
	}
	defer rows.Close()
	var out []domain.Proposal
	for rows.Next() {
		var p domain.Proposal
		if err := scanProposal(rows, &p); err != nil {
			return nil, fmt.Errorf("store: proposals: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Decision is how a proposal ends.
type Decision struct {
	Status     string // approved, declined, cancelled
	By         string
	Comment    string
	Announce   string // the feed's system post
	ApplyDates bool   // an approved date proposal sets the project's dates
}

// DecideProposal closes an open proposal; an approved date proposal applies its dates to the
// project and records the change, all at once. ECONFLICT when the proposal is no longer open
// (someone decided it first, or it was withdrawn).
func (s *Store) DecideProposal(ctx context.Context, p *domain.Proposal, d Decision) error {
	return s.write(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE proposals SET status = $3, decided_by = $4, decided_at = $5, decision_comment = $6
			WHERE account_id = $1 AND id = $2 AND status = 'open'`, p.AccountID, p.ID, d.Status, d.By, tx.now, d.Comment)
		if err != nil {
			return fmt.Errorf("store: decide proposal: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.ECONFLICT, "this proposal has already been decided or withdrawn")
		}
		if d.ApplyDates {
			if err := tx.setProjectDates(ctx, p.AccountID, p.ProjectID, p.StartDate, p.DueDate, d.By, p.ID); err != nil {
				return err
			}
		}
		if d.Announce == "" {
			return nil
		}
		return tx.systemPost(ctx, p.AccountID, p.ProjectID, d.Announce)
	})
}

// SetProjectDates changes a project's dates directly and records the change.
func (s *Store) SetProjectDates(ctx context.Context, accountID, projectID string, start, due *domain.Date, by string) error {
	return s.write(ctx, func(tx *Tx) error { return tx.setProjectDates(ctx, accountID, projectID, start, due, by, "") })
}

func (tx *Tx) setProjectDates(ctx context.Context, accountID, projectID string, start, due *domain.Date, by, proposalID string) error {
	res, err := tx.ExecContext(ctx, `UPDATE projects SET start_date = $3, due_date = $4, updated_at = $5 WHERE account_id = $1 AND id = $2`,
		accountID, projectID, dateArg(start), dateArg(due), tx.now)
	if err != nil {
		return fmt.Errorf("store: set dates: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.NotFound("project")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO schedule_changes (account_id, id, project_id, start_date, due_date, changed_by, proposal_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, accountID, NewID(), projectID, dateArg(start), dateArg(due), by, nullStr(proposalID), tx.now)
	if err != nil {
		return fmt.Errorf("store: schedule change: %w", err)
	}
	return nil
}

// ScheduleChange is one accepted change of a project's dates.
type ScheduleChange struct {
	Start, Due *domain.Date
	ByName     string
	ProposalID string
	At         time.Time
}

// FindScheduleChanges lists the accepted changes of a project's dates, newest first.
func (s *Store) FindScheduleChanges(ctx context.Context, accountID, projectID string) ([]ScheduleChange, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT c.start_date, c.due_date, TRIM(u.first_name || ' ' || u.last_name), COALESCE(c.proposal_id, ''), c.created_at
		FROM schedule_changes c JOIN users u ON u.id = c.changed_by WHERE c.account_id = $1 AND c.project_id = $2 ORDER BY c.created_at DESC, c.id DESC LIMIT 200`,
		accountID, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: schedule changes: %w", err)
	}
	defer rows.Close()
	var out []ScheduleChange
	for rows.Next() {
		var c ScheduleChange
		var start, due sql.NullString
		if err := rows.Scan(&start, &due, &c.ByName, &c.ProposalID, &c.At); err != nil {
			return nil, fmt.Errorf("store: schedule changes: %w", err)
		}
		c.Start, c.Due, c.At = dateOf(start), dateOf(due), c.At.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveBaseline snapshots the dates of every task of the project under a name.
func (s *Store) SaveBaseline(ctx context.Context, accountID, projectID, name, by string) (string, error) {
	id := NewID()
	err := s.write(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO baselines (account_id, id, project_id, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			accountID, id, projectID, name, by, tx.now); err != nil {
			return fmt.Errorf("store: baseline: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO baseline_tasks (account_id, baseline_id, task_id, start_date, due_date)
			SELECT account_id, $3, id, start_date, due_date FROM tasks WHERE account_id = $1 AND project_id = $2 AND deleted_at IS NULL`,
			accountID, projectID, id)
		if err != nil {
			return fmt.Errorf("store: baseline tasks: %w", err)
		}
		return nil
	})
	return id, err
}

// Baseline is a named snapshot of a project's task dates.
type Baseline struct {
	ID, Name string
	At       time.Time
	Tasks    map[string][2]*domain.Date // task id → start, due
}

// FindBaselines lists a project's baselines, newest first (without their tasks).
func (s *Store) FindBaselines(ctx context.Context, accountID, projectID string) ([]Baseline, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, name, created_at FROM baselines WHERE account_id = $1 AND project_id = $2 ORDER BY created_at DESC, id DESC`, accountID, projectID)
	if err != nil {
		return nil, fmt.Errorf("store: baselines: %w", err)
	}
	defer rows.Close()
	var out []Baseline
	for rows.Next() {
		var b Baseline
		if err := rows.Scan(&b.ID, &b.Name, &b.At); err != nil {
			return nil, fmt.Errorf("store: baselines: %w", err)
		}
		b.At = b.At.UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// FindBaselineTasks loads a baseline's task dates. ENOTFOUND if it is not the project's.
func (s *Store) FindBaselineTasks(ctx context.Context, accountID, projectID, id string) (*Baseline, error) {
	var b Baseline
	if err := s.r.QueryRowContext(ctx, `SELECT id, name, created_at FROM baselines WHERE account_id = $1 AND project_id = $2 AND id = $3`, accountID, projectID, id).
		Scan(&b.ID, &b.Name, &b.At); err != nil {
		return nil, notFound(err, "baseline")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT task_id, start_date, due_date FROM baseline_tasks WHERE account_id = $1 AND baseline_id = $2`, accountID, id)
	if err != nil {
		return nil, fmt.Errorf("store: baseline tasks: %w", err)
	}
	defer rows.Close()
	b.Tasks = map[string][2]*domain.Date{}
	for rows.Next() {
		var tid string
		var start, due sql.NullString
		if err := rows.Scan(&tid, &start, &due); err != nil {
			return nil, fmt.Errorf("store: baseline tasks: %w", err)
		}
		b.Tasks[tid] = [2]*domain.Date{dateOf(start), dateOf(due)}
	}
	return &b, rows.Err()
}

// Allocation is hours planned for a person on a project in one week.
type Allocation struct {
	ProjectID, ProjectName, UserID, UserName string
	Week                                     string // Monday, YYYY-MM-DD
	Minutes                                  int64
}

// SetAllocation sets (or with 0 clears) a person's planned minutes on a project for a week.
func (s *Store) SetAllocation(ctx context.Context, accountID, projectID, userID, week string, minutes int64) error {
	return s.write(ctx, func(tx *Tx) error {
		if minutes == 0 {
			_, err := tx.ExecContext(ctx, `DELETE FROM allocations WHERE account_id = $1 AND project_id = $2 AND user_id = $3 AND week = $4`, accountID, projectID, userID, week)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO allocations (account_id, project_id, user_id, week, minutes) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (account_id, project_id, user_id, week) DO UPDATE SET minutes = excluded.minutes`, accountID, projectID, userID, week, minutes)
		if err != nil {
			return fmt.Errorf("store: allocation: %w", err)
		}
		return nil
	})
}

// FindAllocations lists allocations between two weeks (inclusive), of one project (projectID
// set) or of one person across the account's projects (userID set).
func (s *Store) FindAllocations(ctx context.Context, accountID, projectID, userID, fromWeek, toWeek string) ([]Allocation, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT a.project_id, p.name, a.user_id, TRIM(u.first_name || ' ' || u.last_name), a.week, a.minutes
		FROM allocations a JOIN projects p ON p.account_id = a.account_id AND p.id = a.project_id JOIN users u ON u.id = a.user_id
		WHERE a.account_id = $1 AND ($2 = '' OR a.project_id = $2) AND ($3 = '' OR a.user_id = $3) AND a.week >= $4 AND a.week <= $5
		ORDER BY a.week, p.name, u.first_name, u.last_name`, accountID, projectID, userID, fromWeek, toWeek)
	if err != nil {
		return nil, fmt.Errorf("store: allocations: %w", err)
	}
	defer rows.Close()
	var out []Allocation
	for rows.Next() {
		var a Allocation
		if err := rows.Scan(&a.ProjectID, &a.ProjectName, &a.UserID, &a.UserName, &a.Week, &a.Minutes); err != nil {
			return nil, fmt.Errorf("store: allocations: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

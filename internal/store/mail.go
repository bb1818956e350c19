package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Mail statuses: queued until the job runs; then sent, held in the outbox (no SMTP server is
// configured) or failed after the last attempt.
const (
	MailQueued = "queued"
	MailSent   = "sent"
	MailHeld   = "outbox"
	MailFailed = "failed"
)

// JobSendMail is the job kind that delivers one stored mail.
const JobSendMail = "mail.send"

// OutgoingMail is an e-mail to send. AccountID ties it to an account's outbox ("" for mail
// that belongs to no account, such as a password reset).
type OutgoingMail struct {
	AccountID string
	To        string
	Subject   string
	Text      string
	HTML      string
	ReplyTo   string
}

// StoredMail is a mail with its delivery state.
type StoredMail struct {
	OutgoingMail
	ID        string
	Status    string
	LastError string
	CreatedAt time.Time
	SentAt    *time.Time
}

// SendMailPayload is the payload of a JobSendMail job.
type SendMailPayload struct {
	MailID string `json:"mail_id"`
}

// enqueueMail stores the mail and the job that delivers it, in the caller's transaction.
func (tx *Tx) enqueueMail(ctx context.Context, m OutgoingMail) error {
	id := NewID()
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO mails (id, account_id, to_addr, subject, text_body, html_body, status, created_at, reply_to)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		id, nullStr(m.AccountID), m.To, m.Subject, m.Text, m.HTML, MailQueued, tx.now, m.ReplyTo); err != nil {
		return fmt.Errorf("store: store mail: %w", err)
	}
	return tx.enqueue(ctx, JobSendMail, SendMailPayload{MailID: id})
}

// EnqueueMail stores a mail and queues its delivery.
func (s *Store) EnqueueMail(ctx context.Context, m OutgoingMail) error {
	return s.write(ctx, func(tx *Tx) error { return tx.enqueueMail(ctx, m) })
}

const mailColumns = `id, COALESCE(account_id, ''), to_addr, subject, text_body, html_body, status, last_error, created_at, sent_at, reply_to`

func scanMail(row interface{ Scan(...any) error }, m *StoredMail) error {
	var sent sql.NullTime
	if err := row.Scan(&m.ID, &m.AccountID, &m.To, &m.Subject, &m.Text, &m.HTML, &m.Status, &m.LastError, &m.CreatedAt, &sent, &m.ReplyTo); err != nil {
		return err
	}
	m.CreatedAt, m.SentAt = m.CreatedAt.UTC(), nullTime(sent)
	return nil
}

// FindMailByID returns a stored mail. ENOTFOUND if there is none.
func (s *Store) FindMailByID(ctx context.Context, id string) (*StoredMail, error) {
	var m StoredMail
	if err := scanMail(s.r.QueryRowContext(ctx, `SELECT `+mailColumns+` FROM mails WHERE id = $1`, id), &m); err != nil {
		return nil, notFound(err, "mail")
	}
	return &m, nil
}

// FindAccountMail returns one mail of an account's outbox. ENOTFOUND if the account has none such.
func (s *Store) FindAccountMail(ctx context.Context, accountID, id string) (*StoredMail, error) {
	var m StoredMail
	if err := scanMail(s.r.QueryRowContext(ctx, `SELECT `+mailColumns+` FROM mails WHERE account_id = $1 AND id = $2`, accountID, id), &m); err != nil {
		return nil, notFound(err, "mail")
	}
	return &m, nil
}

// FindAccountMails lists an account's mail, newest first, keyset-paginated.
func (s *Store) FindAccountMails(ctx context.Context, accountID, cur string, limit int) ([]StoredMail, string, error) {
	c, err := decodeCursor(cur)
	if err != nil {
		return nil, "", err
	}
	if cur == "" {
		c.At = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	limit = clampLimit(limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+mailColumns+` FROM mails
		WHERE account_id = $1 AND (created_at < $2 OR (created_at = $2 AND id < $3))
		ORDER BY created_at DESC, id DESC LIMIT $4`, accountID, c.At, c.ID, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("store: find mails: %w", err)
	}
	defer rows.Close()
	var out []StoredMail
	for rows.Next() {
		var m StoredMail
		if err := scanMail(rows, &m); err != nil {
			return nil, "", fmt.Errorf("store: find mails: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("store: find mails: %w", err)
	}
	out, next := page(out, limit, func(m StoredMail) cursor { return cursor{m.CreatedAt, m.ID} })
	return out, next, nil
}

// SetMailStatus records a delivery outcome.
func (s *Store) SetMailStatus(ctx context.Context, id, status, lastError string) error {
	return s.write(ctx, func(tx *Tx) error {
		var sent any
		if status == MailSent {
			sent = tx.now
		}
		_, err := tx.ExecContext(ctx, `UPDATE mails SET status = $2, last_error = $3, sent_at = $4 WHERE id = $1`,
			id, status, truncate(lastError, 2000), sent)
		if err != nil {
			return fmt.Errorf("store: mail status: %w", err)
		}
		return nil
	})
}

package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail"
	"github.com/portico-dev/portico/internal/store"
)

// SendMail returns the handler of store.JobSendMail. With a sender it delivers the stored
// mail; without one (no SMTP configured) it leaves the mail in the outbox, where Account
// Administrators read it, and logs it.
func SendMail(s *store.Store, sender mail.Sender, from string, log *slog.Logger) Handler {
	return func(ctx context.Context, payload json.RawMessage) error {
		var p store.SendMailPayload
		if err := json.Unmarshal(payload, &p); err != nil {
			return Permanent(fmt.Errorf("jobs: mail payload: %w", err))
		}
		m, err := s.FindMailByID(ctx, p.MailID)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return Permanent(err)
		}
		if err != nil {
			return err // the database may be back on the next attempt
		}
		if m.Status == store.MailSent {
			return nil // delivered by an attempt whose completion was lost
		}
		if sender == nil {
			log.Info("mail held in outbox (no SMTP configured)", "mail", m.ID, "to", m.To, "subject", m.Subject)
			return s.SetMailStatus(ctx, m.ID, store.MailHeld, "")
		}
		if err := sender.Send(ctx, from, mail.Message{To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML, ReplyTo: m.ReplyTo}); err != nil {
			status := store.MailQueued
			if LastAttempt(ctx) {
				status = store.MailFailed
			}
			if serr := s.SetMailStatus(ctx, m.ID, status, err.Error()); serr != nil {
				log.Error("record mail failure", "err", serr)
			}
			return err
		}
		return s.SetMailStatus(ctx, m.ID, store.MailSent, "")
	}
}

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/mail/inbound"
	"github.com/portico-dev/portico/internal/store"
)

// ReplyMarker is the line notification e-mails put above the quoted text: whatever a reply
// writes above it becomes the reply.
const ReplyMarker = inbound.ReplyMarker

// SecretReplyAddresses names the server secret that signs reply addresses.
const SecretReplyAddresses = "reply-addresses"

// emailNotifications queues an e-mail for each notified person whose preference is instant.
func (a *App) emailNotifications(ctx context.Context, post *domain.Post, ns []domain.Notification) error {
	var secret []byte
	if a.ReplyDomain != "" && len(ns) > 0 {
		var err error
		if secret, err = a.Store.Secret(ctx, SecretReplyAddresses); err != nil {
			return err
		}
	}
	proj, err := a.Store.FindProjectByID(ctx, post.ProjectID)
	if err != nil {
		return err
	}
	for _, n := range ns {
		prefs, err := a.Store.FindNotificationPrefs(ctx, n.UserID, n.ProjectID)
		if err != nil {
			return err
		}
		if prefs.Email != domain.EmailInstant {
			continue
		}
		u, err := a.Store.FindUserByID(ctx, n.UserID)
		if err != nil {
			return err
		}
		m, err := notificationMail(a.BaseURL, proj, post, n)
		if err != nil {
			return err
		}
		m.To = u.Email
		if secret != nil {
			m.ReplyTo = inbound.ReplyAddress(secret, a.ReplyDomain, post.ThreadID, n.UserID)
		}
		if err := a.Store.EnqueueMail(ctx, m); err != nil {
			return err
		}
		if err := a.Store.MarkEmailed(ctx, []string{n.ID}); err != nil {
			return err
		}
	}
	return nil
}

// JobDailyDigest is the recurring job that e-mails daily summaries.
const JobDailyDigest = "notify.daily"

// DigestHour is when (UTC) the daily summary goes out.
const DigestHour = 7

// NextDigest is the next summary time after now.
func NextDigest(now time.Time) time.Time {
	next := time.Date(now.Year(), now.Month(), now.Day(), DigestHour, 0, 0, 0, time.UTC)
	if !next.After(now) {
		next = next.Add(24 * time.Hour)
	}
	return next
}

// DailyDigest is the handler of JobDailyDigest: everyone whose preference for a project is the
// daily summary gets one e-mail listing the notifications of such projects that no e-mail has
// carried yet (and that they may still see). It then schedules the next run.
func (a *App) DailyDigest(ctx context.Context, _ json.RawMessage) error {
	now := a.Store.Now().UTC()
	users, err := a.Store.UsersWithUnemailed(ctx, now.Add(-48*time.Hour))
	if err != nil {
		return err
	}
	for _, userID := range users {
		if err := a.digestFor(ctx, userID, now.Add(-48*time.Hour)); err != nil {
			return err
		}
	}
	return a.Store.EnsureJobAfter(ctx, JobDailyDigest, NextDigest(now.Add(time.Minute)))
}

func (a *App) digestFor(ctx context.Context, userID string, since time.Time) error {
	ns, err := a.Store.FindUnemailed(ctx, userID, since)
	if err != nil {
		return err
	}
	var lines []string
	var ids []string
	daily := map[string]bool{}
	for _, n := range ns {
		mode, seen := daily[n.ProjectID]
		if !seen {
			prefs, err := a.Store.FindNotificationPrefs(ctx, userID, n.ProjectID)
			if err != nil {
				return err
			}
			mode = prefs.Email == domain.EmailDaily
			daily[n.ProjectID] = mode
		}
		if !mode {
			continue
		}
		lines = append(lines, fmt.Sprintf("• %s — %s: %s", n.ProjectName, n.ActorName, n.Excerpt))
		ids = append(ids, n.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	u, err := a.Store.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	m, err := renderMail("", u.Email, fmt.Sprintf("Your Portico summary: %d new", len(ids)), mailContent{
		Greeting: "Hello " + u.FullName() + ",", Paragraph: "Here is what happened in your projects:\n\n" + strings.Join(lines, "\n"),
		Action: "Open your notifications", Link: a.BaseURL + "/notifications",
		Footer: "You get this summary because you chose a daily e-mail. Change it in your settings.",
	})
	if err != nil {
		return err
	}
	if err := a.Store.EnqueueMail(ctx, m); err != nil {
		return err
	}
	return a.Store.MarkEmailed(ctx, ids)
}

func notificationMail(baseURL string, proj *domain.Project, post *domain.Post, n domain.Notification) (store.OutgoingMail, error) {
	who := post.AuthorName
	if who == "" {
		who = "Portico"
	}
	verb := map[string]string{"post": "posted", "reply": "replied", "mention": "mentioned you", "system": "posted", "recipient": "added you to a private thread"}[n.Kind]
	privacy := ""
	if post.Private {
		privacy = " (private thread)"
	}
	m, err := renderMail(proj.AccountID, "", fmt.Sprintf("[%s] %s %s%s", proj.Name, who, verb, privacy), mailContent{
		Greeting:  ReplyMarker,
		Paragraph: who + " wrote in " + proj.Name + ": " + excerptText(post.Body, 600),
		Action:    "Open the thread",
		Link:      baseURL + "/projects/" + proj.ID + "/threads/" + post.ThreadID,
		Footer:    "Reply to this e-mail to answer in the thread (same privacy). Change what Portico e-mails you in your settings.",
	})
	return m, err
}

func excerptText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// ReplyByMail turns an answered notification e-mail into a reply in its thread, written by the
// person the signed address names, with the thread's privacy — provided they still may read the
// thread and write to the feed. Refusals are permanent for that message.
func (a *App) ReplyByMail(ctx context.Context, m inbound.Message) error {
	u, err := a.Store.FindUserByID(ctx, m.UserID)
	if err != nil {
		return err
	}
	root, err := a.Store.FindPostUnfiltered(ctx, m.ThreadID)
	if err != nil {
		return err
	}
	pa, err := a.ProjectActor(ctx, &store.Principal{User: *u}, root.ProjectID)
	if err != nil {
		return err
	}
	_, err = a.CreateReply(store.WithActor(ctx, auditActorOf(pa.Principal)), pa, m.ThreadID, ReplyInput{Body: m.Text})
	return err
}

package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/events"
	"github.com/portico-dev/portico/internal/store"
)

// NotifyPost is the handler of store.JobNotifyPost: it notifies every participant who may see
// the post (not its author, not those who muted the project), e-mails those who want it at once,
// and announces the post to open pages. Who may see it is decided per person by the access layer.
func (a *App) NotifyPost(ctx context.Context, payload json.RawMessage) error {
	var pl store.NotifyPostPayload
	if err := json.Unmarshal(payload, &pl); err != nil {
		return fmt.Errorf("app: notify payload: %w", err)
	}
	post, err := a.Store.FindPostUnfiltered(ctx, pl.PostID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil // deleted before the fan-out ran
	}
	if err != nil {
		return err
	}
	var recipients []string
	if post.Private {
		if recipients, err = a.Store.FindRecipients(ctx, post.AccountID, post.ThreadID); err != nil {
			return err
		}
	}
	people, err := a.Store.FindParticipants(ctx, post.AccountID, post.ProjectID)
	if err != nil {
		return err
	}
	var ns []domain.Notification
	for _, p := range people {
		if p.UserID == post.AuthorID || (pl.Added != nil && !slices.Contains(pl.Added, p.UserID)) {
			continue
		}
		ok, err := a.maySee(ctx, post, recipients, p.UserID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		prefs, err := a.Store.FindNotificationPrefs(ctx, p.UserID, post.ProjectID)
		if err != nil {
			return err
		}
		mentioned := slices.Contains(post.Mentions, p.UserID)
		if prefs.Muted && !mentioned {
			continue
		}
		ns = append(ns, domain.Notification{UserID: p.UserID, AccountID: post.AccountID, ProjectID: post.ProjectID, PostID: post.ID,
			ThreadID: post.ThreadID, Kind: notificationKind(post, mentioned, pl.Added != nil)})
	}
	if err := a.Store.CreateNotifications(ctx, ns); err != nil {
		return err
	}
	if err := a.emailNotifications(ctx, post, ns); err != nil {
		return err
	}
	a.publish(ctx, events.Event{AccountID: post.AccountID, ProjectID: post.ProjectID, Kind: post.Kind, ID: post.ID})
	for _, n := range ns {
		a.publish(ctx, events.Event{AccountID: n.AccountID, ProjectID: n.ProjectID, Kind: "notification", ID: n.ID, UserID: n.UserID})
	}
	return nil
}

// maySee asks the access layer whether a participant may read the post now.
func (a *App) maySee(ctx context.Context, post *domain.Post, recipients []string, userID string) (bool, error) {
	load, err := a.Store.LoadProjectAccess(ctx, post.ProjectID, userID)
	if err != nil {
		return false, err
	}
	subject := subjectOf(load)
	if subject.Part == nil || subject.Part.Guest {
		return false, nil
	}
	f := access.Facts{Private: post.Private, Recipient: slices.Contains(recipients, userID), Internal: post.Internal}
	act := access.ReadPublicPosts
	if post.Private {
		act = access.ReadPrivateThread
	}
	return access.Decide(&subject, act, &f).Allowed, nil
}

func notificationKind(p *domain.Post, mentioned, added bool) string {
	switch {
	case added:
		return "recipient"
	case mentioned:
		return "mention"
	case p.Kind == domain.PostKindSystem:
		return "system"
	}
	return p.Kind
}

// publish announces a change to open pages; a failure only delays them until their next load.
func (a *App) publish(ctx context.Context, e events.Event) {
	if a.Events == nil {
		return
	}
	if err := a.Events.Publish(ctx, e); err != nil {
		a.Log.Warn("publish event", "err", err)
	}
}

// DeleteBlobs is the handler of store.JobDeleteBlobs.
func (a *App) DeleteBlobs(ctx context.Context, payload json.RawMessage) error {
	var pl store.DeleteBlobsPayload
	if err := json.Unmarshal(payload, &pl); err != nil {
		return fmt.Errorf("app: delete blobs payload: %w", err)
	}
	for _, k := range pl.Keys {
		if err := a.Blobs.Delete(ctx, k); err != nil {
			return fmt.Errorf("app: delete blob %s: %w", k, err)
		}
	}
	return nil
}

// Notifications lists the principal's notifications.
func (a *App) Notifications(ctx context.Context, p *store.Principal, cursor string, limit int, unread bool) ([]domain.Notification, string, error) {
	return a.Store.FindNotifications(ctx, p.User.ID, cursor, limit, unread)
}

// UnreadCount is the number on the bell.
func (a *App) UnreadCount(ctx context.Context, p *store.Principal) (int, error) {
	return a.Store.CountUnread(ctx, p.User.ID)
}

// MarkRead marks notifications read (all when ids is empty).
func (a *App) MarkRead(ctx context.Context, p *store.Principal, ids []string) error {
	return a.Store.MarkRead(ctx, p.User.ID, ids)
}

// SaveNotificationPrefs sets e-mail mode and mute for a project the principal sees, or their
// default (projectID "").
func (a *App) SaveNotificationPrefs(ctx context.Context, p *store.Principal, projectID, email string, muted bool) error {
	if email != domain.EmailInstant && email != domain.EmailDaily && email != domain.EmailOff {
		return domain.Invalid(domain.FieldError{Field: "email", Message: "must be instant, daily or off"})
	}
	if projectID != "" {
		if _, err := a.ProjectActor(ctx, p, projectID); err != nil {
			return err
		}
	}
	return a.Store.SaveNotificationPrefs(ctx, p.User.ID, store.NotificationPrefs{ProjectID: projectID, Email: email, Muted: muted})
}

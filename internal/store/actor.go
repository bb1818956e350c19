package store

import "context"

type actorKey struct{}

// WithActor returns ctx carrying who is acting, for the audit entries that account-level store
// methods (members, invitations, settings, access groups) write in their own transaction.
// Project methods take the actor as an argument.
func WithActor(ctx context.Context, a AuditActor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// actorFrom returns the acting person, or a system actor when none was given (the CLI, jobs).
func actorFrom(ctx context.Context) AuditActor {
	if a, ok := ctx.Value(actorKey{}).(AuditActor); ok {
		return a
	}
	return AuditActor{Name: "system"}
}

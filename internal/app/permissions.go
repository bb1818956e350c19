package app

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/portico-dev/portico/internal/access"
	"github.com/portico-dev/portico/internal/domain"
	"github.com/portico-dev/portico/internal/store"
)

// SavePermissions applies one save of the permissions page: every change or none. revision is
// the project revision the editor loaded; if anyone saved since, ECONFLICT and nothing changes.
// Each change is decided by the access layer (who may change whom) and validated against the
// account's permission tables and settings; the first refusal refuses the batch, naming the row.
// Someone who may manage neither side gets EFORBIDDEN whatever revision they send.
func (a *App) SavePermissions(ctx context.Context, pa *ProjectActor, revision int64, changes []store.ParticipantChange) (int64, error) {
	if pa.ViewAs != nil {
		return 0, domain.Forbidden("viewing as %s is read-only", pa.ViewAs.Name)
	}
	// Someone who may manage neither side is refused before the revision is compared, so that
	// a stale revision does not turn the refusal into a conflict.
	f := pa.Facts()
	f.TargetClient = true
	if err := pa.Require(access.ManageParticipants, f, true); err != nil {
		return 0, err
	}
	if revision <= 0 {
		return 0, domain.Invalid(domain.FieldError{Field: "revision", Message: "is required: send the revision you loaded"})
	}
	if len(changes) == 0 {
		return 0, domain.Invalid(domain.FieldError{Field: "changes", Message: "must name at least one change"})
	}
	table, err := a.Store.FindPermissionTable(ctx, pa.Project().AccountID)
	if err != nil {
		return 0, err
	}
	check := func(before, after []domain.Participant) error {
		return a.checkChanges(pa, table, changes, before, after)
	}
	return a.Store.ApplyParticipantChanges(ctx, pa.Project().AccountID, pa.Project().ID, revision, changes, check, pa.auditActor())
}

func (a *App) checkChanges(pa *ProjectActor, table domain.PermissionTable, changes []store.ParticipantChange, before, after []domain.Participant) error {
	old := map[string]domain.Participant{}
	for _, p := range before {
		old[p.UserID] = p
	}
	now := map[string]*domain.Participant{}
	for i := range after {
		now[after[i].UserID] = &after[i]
	}
	var forbidden, invalid domain.Validator
	for i, c := range changes {
		prefix := fmt.Sprintf("changes[%d].", i)
		o := old[c.UserID]
		n := now[c.UserID]
		f := pa.Facts()
		f.TargetClient = o.Side == domain.SideClient && (n == nil || n.Side == domain.SideClient)
		f.TargetSelf = c.UserID == pa.Principal.User.ID
		f.TargetCreator = c.UserID == pa.Project().CreatedBy && o.Level == domain.PLProjectAdmin
		f.TargetAccountAdmin = o.AccountLevel == domain.LevelAccountAdmin
		levelChanged := n == nil || n.Level != o.Level
		if levelChanged {
			if d := pa.Decide(access.ChangeParticipantLevel, f); !d.Allowed {
				forbidden.Add(prefix+"level", o.FullName()+": "+d.Rule.Text)
				continue
			}
		}
		if d := pa.Decide(access.ManageParticipants, f); !d.Allowed {
			forbidden.Add(prefix+"user_id", o.FullName()+": "+d.Rule.Text)
			continue
		}
		if n != nil {
			st := domain.ParticipantSetting{Side: n.Side, Level: n.Level, Access: n.Access, Hidden: n.Hidden}
			invalid.Fields = append(invalid.Fields, domain.ValidateParticipant(prefix, st, o.AccountLevel, table, pa.Account().Settings)...)
		}
	}
	if len(forbidden.Fields) > 0 {
		return &domain.Error{Code: domain.EFORBIDDEN, Message: "some changes are not allowed", Fields: forbidden.Fields}
	}
	if err := invalid.Err(); err != nil {
		return err
	}
	for _, p := range after {
		if p.Side == domain.SideProvider && p.Level == domain.PLProjectAdmin {
			return nil
		}
	}
	return domain.Invalid(domain.FieldError{Field: "changes", Message: "the project must keep a Project Administrator on the provider side"})
}

// PermissionTable returns the account's permission tables (any member may read them).
func (a *App) PermissionTable(ctx context.Context, act *Actor) (domain.PermissionTable, error) {
	return a.Store.FindPermissionTable(ctx, act.Account.ID)
}

// SavePermissionTable replaces the account's permission tables (Account Administrators).
// Every default must be a level the table allows for that account level, on a side that offers it;
// unknown account levels, sides and repeated levels are EINVALID.
func (a *App) SavePermissionTable(ctx context.Context, act *Actor, t domain.PermissionTable) error {
	if err := act.require(access.ManageAccountSettings); err != nil {
		return err
	}
	var v domain.Validator
	// Rows of levels or sides that do not exist would be stored and mean nothing.
	for _, l := range slices.Sorted(maps.Keys(t.Allowed)) {
		v.Check(l.Valid(), "allowed."+string(l), "unknown account level")
	}
	for _, l := range slices.Sorted(maps.Keys(t.Defaults)) {
		if !l.Valid() {
			v.Add("defaults."+string(l), "unknown account level")
			continue
		}
		for _, side := range slices.Sorted(maps.Keys(t.Defaults[l])) {
			v.Check(side.Valid(), fmt.Sprintf("defaults.%s.%s", l, side), "unknown side: must be provider or client")
		}
	}
	for _, l := range domain.AccountLevels {
		if len(t.Allowed[l]) == 0 {
			v.Add("allowed."+string(l), "must allow at least one project level")
		}
		for i, pl := range t.Allowed[l] {
			v.Check(pl.Valid(), "allowed."+string(l), "unknown project level "+string(pl))
			v.Check(!slices.Contains(t.Allowed[l][:i], pl), "allowed."+string(l), "lists "+string(pl)+" twice")
		}
		if l == domain.LevelAccountAdmin && (len(t.Allowed[l]) != 1 || t.Allowed[l][0] != domain.PLProjectAdmin) {
			v.Add("allowed.account_admin", "an Account Administrator is always Project Administrator")
		}
		for _, side := range []domain.Side{domain.SideProvider, domain.SideClient} {
			d, ok := t.Defaults[l][side]
			if !ok {
				v.Add(fmt.Sprintf("defaults.%s.%s", l, side), "is required")
				continue
			}
			st := domain.ParticipantSetting{Side: side, Level: d.Level, Access: d.Access}
			settings := act.Account.Settings
			settings.ExternalFinancialAllowed, settings.ProviderSideMembersOnly = true, false // checked per person when they join
			v.Fields = append(v.Fields, domain.ValidateParticipant(fmt.Sprintf("defaults.%s.%s.", l, side), st, l, t, settings)...)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	return a.Store.SavePermissionTable(ctx, act.Account.ID, t, auditActorOf(act.Principal))
}

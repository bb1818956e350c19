package store

import (
	"context"

	"github.com/portico-dev/portico/internal/auth"
	"github.com/portico-dev/portico/internal/domain"
)

// AddDemoMember creates a user with a password and adds them to the account as a
// Collaborator, skipping the invitation. Only the demo seeder uses it.
func (s *Store) AddDemoMember(ctx context.Context, accountID, email, first, last, password string) (*domain.Member, error) {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	var m *domain.Member
	err = s.write(ctx, func(tx *Tx) error {
		u := &domain.User{Email: email, FirstName: first, LastName: last}
		if err := tx.createUser(ctx, u, hash); err != nil {
			return err
		}
		m, err = tx.createMember(ctx, accountID, u.ID, domain.LevelCollaborator)
		return err
	})
	return m, err
}

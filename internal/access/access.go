// Package access decides every permission question of Portico. It is pure: no I/O, no
// globals that change. Given a subject and an action it answers allowed or denied and names
// the rule that decided, so that Explain and the audit log can say why.
package access

import "github.com/portico-dev/portico/internal/domain"

// Subject is who is asking, as far as the account is concerned.
type Subject struct {
	UserID    string
	AccountID string
	MemberID  string
	Level     domain.AccountLevel // "" when the user is not a member of the account
	Active    bool
	Caps      CapSet
}

// CapSet is a set of access-group capabilities as bits, so checks do not allocate.
type CapSet uint8

// Has reports whether the set holds c.
func (s CapSet) Has(c domain.Capability) bool { return s&capBit(c) != 0 }

// Caps builds a set from capabilities; unknown ones are ignored.
func Caps(cs ...domain.Capability) CapSet {
	var s CapSet
	for _, c := range cs {
		s |= capBit(c)
	}
	return s
}

func capBit(c domain.Capability) CapSet {
	for i, x := range domain.Capabilities {
		if x == c {
			return 1 << i
		}
	}
	return 0
}

// IsMember reports whether the subject is an active member of the account.
func (s *Subject) IsMember() bool { return s != nil && s.Active && s.Level.Valid() }

// Decision is an answer and the rule that gave it.
type Decision struct {
	Allowed bool
	Rule    Rule
}

// Rule names a rule of PRODUCT.md and says it in words.
type Rule struct {
	ID   string
	Text string
}

func allow(r Rule) Decision { return Decision{Allowed: true, Rule: r} }
func deny(r Rule) Decision  { return Decision{Allowed: false, Rule: r} }

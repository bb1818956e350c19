package store

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/portico-dev/portico/internal/domain"
)

// cursor is a keyset position: the sort key of the last row of a page and its id.
type cursor struct {
	At time.Time
	ID string
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

func clampLimit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return min(n, MaxLimit)
}

func (c cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(c.At.UTC().Format(time.RFC3339Nano) + "|" + c.ID))
}

// decodeCursor parses a cursor; "" is the position before the first row.
func decodeCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{At: time.Unix(0, 0).UTC()}, nil
	}
	bad := domain.Invalid(domain.FieldError{Field: "cursor", Message: "is not a cursor this server issued"})
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	at, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return cursor{}, bad
	}
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return cursor{}, bad
	}
	return cursor{At: t.UTC(), ID: id}, nil
}

// page cuts a result fetched with limit+1 rows to limit and returns the next cursor.
func page[T any](rows []T, limit int, key func(T) cursor) ([]T, string) {
	if len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, key(rows[limit-1]).encode()
}

// encodeNameCursor is a keyset position in a list sorted by name.
func encodeNameCursor(name, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(name + "\x00" + id))
}

func decodeNameCursor(s string) (string, string, error) {
	if s == "" {
		return "", "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	name, id, ok := strings.Cut(string(b), "\x00")
	if err != nil || !ok {
		return "", "", domain.Invalid(domain.FieldError{Field: "cursor", Message: "is not a cursor this server issued"})
	}
	return name, id, nil
}

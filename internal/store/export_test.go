package store

import (
	"context"
	"database/sql"
	"time"
)

// RawDB returns a database handle for tests that inspect rows no store method returns (whole
// table snapshots, a job's run_at). Tests only read through it.
func RawDB(s *Store) *sql.DB { return s.r }

// SeedFeed writes n root posts into a project in one transaction for benchmarks: every tenth
// public, the rest private to the given recipients (besides the author). Times step back one
// second from start so that pages are deterministic.
func SeedFeed(s *Store, accountID, projectID, authorID string, recipients []string, n int, start time.Time) error {
	return s.write(context.Background(), func(tx *Tx) error {
		for i := 0; i < n; i++ {
			id, at := NewID(), start.Add(-time.Duration(i)*time.Second)
			private := i%10 != 0
			if _, err := tx.Exec(`INSERT INTO posts (account_id, id, project_id, thread_id, author_id, kind, body, private, created_at)
				VALUES ($1, $2, $3, $2, $4, 'post', 'seeded post body', $5, $6)`, accountID, id, projectID, authorID, private, at); err != nil {
				return err
			}
			if private {
				if err := tx.addRecipients(context.Background(), accountID, projectID, id, at, append([]string{authorID}, recipients...)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ExplainFeed returns the query plan of the feed's roots query for a viewer.
func ExplainFeed(t interface{ Fatal(...any) }, s *Store, accountID, projectID, userID string) string {
	prefix := "EXPLAIN QUERY PLAN "
	if s.dialect == postgres {
		prefix = "EXPLAIN "
	}
	far := time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	rows, err := s.r.Query(prefix+feedRootsQuery, accountID, projectID, userID, far, "~", 51)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []byte
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		rows.Scan(ptrs...)
		for _, v := range vals {
			switch x := v.(type) {
			case string:
				out = append(out, x...)
			case []byte:
				out = append(out, x...)
			}
			out = append(out, ' ')
		}
		out = append(out, '\n')
	}
	return string(out)
}

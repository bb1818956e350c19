package store

import "database/sql"

// RawDB returns a database handle for tests that inspect rows no store method returns (whole
// table snapshots, a job's run_at). Tests only read through it.
func RawDB(s *Store) *sql.DB { return s.r }

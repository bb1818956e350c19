-- +goose Up
-- Each account has its own list of task statuses (defaults are seeded on first use).
CREATE TABLE task_statuses (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    category   TEXT NOT NULL,
    position   INTEGER NOT NULL,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE tasks (
    account_id        TEXT NOT NULL,
    id                TEXT NOT NULL,
    project_id        TEXT NOT NULL,
    kind              TEXT NOT NULL,
    title             TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    status_id         TEXT NOT NULL,
    parent_id         TEXT,
    start_date        TEXT,
    due_date          TEXT,
    estimate_minutes  INTEGER,
    percent           INTEGER NOT NULL DEFAULT 0,
    milestone_weight  INTEGER,
    budget_minor      INTEGER,
    billable          BOOLEAN NOT NULL DEFAULT TRUE,
    fixed_fee_minor   INTEGER,
    signoff_state     TEXT NOT NULL DEFAULT '',
    signoff_by        TEXT,
    signoff_at        TIMESTAMP,
    signoff_comment   TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL REFERENCES users (id),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    deleted_at        TIMESTAMP,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id)
);
CREATE UNIQUE INDEX tasks_id ON tasks (id);
CREATE INDEX tasks_project ON tasks (account_id, project_id, created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX tasks_parent ON tasks (account_id, parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE task_assignees (
    account_id TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    PRIMARY KEY (account_id, task_id, user_id)
);
CREATE INDEX task_assignees_user ON task_assignees (account_id, user_id);

-- Finish-to-start: from_task must finish before to_task starts.
CREATE TABLE task_dependencies (
    account_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    from_task  TEXT NOT NULL,
    to_task    TEXT NOT NULL,
    PRIMARY KEY (account_id, from_task, to_task)
);
CREATE INDEX task_dependencies_project ON task_dependencies (account_id, project_id);
CREATE INDEX task_dependencies_to ON task_dependencies (account_id, to_task);

CREATE TABLE task_progress (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    percent    INTEGER NOT NULL,
    comment    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX task_progress_task ON task_progress (account_id, task_id, created_at);

CREATE TABLE task_history (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    summary    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX task_history_task ON task_history (account_id, task_id, created_at);

CREATE TABLE custom_fields (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    id         TEXT NOT NULL,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    choices    TEXT NOT NULL DEFAULT '',
    position   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE task_custom_values (
    account_id TEXT NOT NULL,
    task_id    TEXT NOT NULL,
    field_id   TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (account_id, task_id, field_id)
);

-- Date-change (and, later, budget-change) proposals; one open per project and kind.
CREATE TABLE proposals (
    account_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    project_id       TEXT NOT NULL,
    kind             TEXT NOT NULL,
    proposed_by      TEXT NOT NULL REFERENCES users (id),
    by_client        BOOLEAN NOT NULL,
    start_date       TEXT,
    due_date         TEXT,
    amount_minor     INTEGER,
    comment          TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL,
    decided_by       TEXT,
    decided_at       TIMESTAMP,
    decision_comment TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX proposals_one_open ON proposals (account_id, project_id, kind) WHERE status = 'open';
CREATE INDEX proposals_project ON proposals (account_id, project_id, created_at);

CREATE TABLE schedule_changes (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    start_date  TEXT,
    due_date    TEXT,
    changed_by  TEXT NOT NULL,
    proposal_id TEXT,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX schedule_changes_project ON schedule_changes (account_id, project_id, created_at);

CREATE TABLE baselines (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    project_id TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (account_id, id)
);
CREATE TABLE baseline_tasks (
    account_id  TEXT NOT NULL,
    baseline_id TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    start_date  TEXT,
    due_date    TEXT,
    PRIMARY KEY (account_id, baseline_id, task_id)
);

-- Weekly hours allocated per person per project (week = the Monday, YYYY-MM-DD).
CREATE TABLE allocations (
    account_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    week       TEXT NOT NULL,
    minutes    INTEGER NOT NULL,
    PRIMARY KEY (account_id, project_id, user_id, week)
);
CREATE INDEX allocations_user ON allocations (account_id, user_id, week);

-- +goose Down
DROP TABLE allocations;
DROP TABLE baseline_tasks;
DROP TABLE baselines;
DROP TABLE schedule_changes;
DROP TABLE proposals;
DROP TABLE task_custom_values;
DROP TABLE custom_fields;
DROP TABLE task_history;
DROP TABLE task_progress;
DROP TABLE task_dependencies;
DROP TABLE task_assignees;
DROP TABLE tasks;
DROP TABLE task_statuses;

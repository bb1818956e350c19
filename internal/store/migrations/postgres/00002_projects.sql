-- +goose Up
CREATE TABLE projects (
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    id                   TEXT NOT NULL,
    name                 TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    client_company       TEXT NOT NULL DEFAULT '',
    start_date           TEXT,
    due_date             TEXT,
    financial            BOOLEAN NOT NULL,
    currency             TEXT NOT NULL,
    privacy              TEXT NOT NULL,
    status               TEXT NOT NULL,
    status_note          TEXT NOT NULL DEFAULT '',
    provider_side_name   TEXT NOT NULL DEFAULT '',
    client_side_name     TEXT NOT NULL DEFAULT '',
    default_post_privacy TEXT NOT NULL DEFAULT '',
    schedule_approval    BOOLEAN NOT NULL DEFAULT FALSE,
    time_approval        BOOLEAN NOT NULL DEFAULT FALSE,
    expense_approval     BOOLEAN NOT NULL DEFAULT FALSE,
    created_by           TEXT NOT NULL REFERENCES users (id),
    archived_at          TIMESTAMPTZ,
    revision             BIGINT NOT NULL DEFAULT 1,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, id)
);
-- Project ids are global (UUIDv7), so a request can name a project alone.
CREATE UNIQUE INDEX projects_id ON projects (id);
CREATE INDEX projects_account_name ON projects (account_id, archived_at, name, id);

CREATE TABLE project_status_history (
    account_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    project_id TEXT NOT NULL,
    status     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    set_by     TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id)
);
CREATE INDEX project_status_history_project ON project_status_history (account_id, project_id, created_at);

CREATE TABLE participants (
    account_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    side       TEXT NOT NULL,
    level      TEXT NOT NULL,
    access     TEXT NOT NULL DEFAULT '',
    team_lead  BOOLEAN NOT NULL DEFAULT FALSE,
    hidden     BOOLEAN NOT NULL DEFAULT FALSE,
    joined_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, project_id, user_id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id)
);
CREATE INDEX participants_user ON participants (user_id, project_id);
CREATE UNIQUE INDEX participants_one_lead ON participants (account_id, project_id, side) WHERE team_lead;

-- Which project levels each account level may hold, and what a member gets on joining: data,
-- seeded with PRODUCT.md's defaults and edited by Account Administrators. External
-- participants use the collaborator_external rows.
CREATE TABLE project_level_rules (
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    account_level TEXT NOT NULL,
    project_level TEXT NOT NULL,
    PRIMARY KEY (account_id, account_level, project_level)
);

CREATE TABLE project_defaults (
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    account_level TEXT NOT NULL,
    side          TEXT NOT NULL,
    project_level TEXT NOT NULL,
    access        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, account_level, side)
);

CREATE TABLE project_invitations (
    account_id  TEXT NOT NULL,
    id          TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    email       TEXT NOT NULL,
    side        TEXT NOT NULL,
    level       TEXT NOT NULL,
    access      TEXT NOT NULL DEFAULT '',
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id)
);
CREATE INDEX project_invitations_project ON project_invitations (account_id, project_id, created_at);

-- Append-only: rows are inserted in the transaction of the change they record, never updated.
CREATE TABLE audit_log (
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    id            TEXT NOT NULL,
    at            TIMESTAMPTZ NOT NULL,
    actor_user_id TEXT NOT NULL DEFAULT '',
    actor_name    TEXT NOT NULL DEFAULT '',
    action        TEXT NOT NULL,
    project_id    TEXT NOT NULL DEFAULT '',
    target        TEXT NOT NULL DEFAULT '',
    summary       TEXT NOT NULL,
    before_json   TEXT NOT NULL DEFAULT '',
    after_json    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, id)
);
CREATE INDEX audit_log_account_at ON audit_log (account_id, at, id);

-- +goose Down
DROP TABLE audit_log;
DROP TABLE project_invitations;
DROP TABLE project_defaults;
DROP TABLE project_level_rules;
DROP TABLE participants;
DROP TABLE project_status_history;
DROP TABLE projects;

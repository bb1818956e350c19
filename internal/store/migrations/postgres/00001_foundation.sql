-- +goose Up
-- Users, sessions and tokens belong to a person, not a tenant; everything an account owns
-- carries account_id first in its key so that a tenant-sharded store can hold it.
CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    first_name    TEXT NOT NULL DEFAULT '',
    last_name     TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL DEFAULT '',
    theme         TEXT NOT NULL DEFAULT 'system',
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE accounts (
    id                         TEXT PRIMARY KEY,
    name                       TEXT NOT NULL,
    provider_side_name         TEXT NOT NULL,
    client_side_name           TEXT NOT NULL,
    default_post_privacy       TEXT NOT NULL,
    external_financial_allowed BOOLEAN NOT NULL,
    provider_side_members_only BOOLEAN NOT NULL,
    currency                   TEXT NOT NULL,
    brand_color                TEXT NOT NULL,
    created_at                 TIMESTAMPTZ NOT NULL,
    updated_at                 TIMESTAMPTZ NOT NULL
);

CREATE TABLE members (
    account_id              TEXT NOT NULL REFERENCES accounts (id),
    id                      TEXT NOT NULL,
    user_id                 TEXT NOT NULL REFERENCES users (id),
    level                   TEXT NOT NULL,
    default_bill_rate_minor BIGINT,
    cost_rate_minor         BIGINT,
    active                  BOOLEAN NOT NULL DEFAULT TRUE,
    created_at              TIMESTAMPTZ NOT NULL,
    deactivated_at          TIMESTAMPTZ,
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, user_id)
);
CREATE INDEX members_user ON members (user_id);

CREATE TABLE access_groups (
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    id             TEXT NOT NULL,
    name           TEXT NOT NULL,
    capabilities   TEXT NOT NULL DEFAULT '',
    default_levels TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, id),
    UNIQUE (account_id, name)
);

CREATE TABLE access_group_members (
    account_id TEXT NOT NULL,
    group_id   TEXT NOT NULL,
    member_id  TEXT NOT NULL,
    PRIMARY KEY (account_id, group_id, member_id),
    FOREIGN KEY (account_id, group_id) REFERENCES access_groups (account_id, id) ON DELETE CASCADE,
    FOREIGN KEY (account_id, member_id) REFERENCES members (account_id, id)
);
CREATE INDEX access_group_members_member ON access_group_members (account_id, member_id);

CREATE TABLE invitations (
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    id          TEXT NOT NULL,
    email       TEXT NOT NULL,
    level       TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    PRIMARY KEY (account_id, id)
);
CREATE INDEX invitations_account_created ON invitations (account_id, created_at);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      TEXT NOT NULL REFERENCES users (id),
    account_id   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    ip           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE password_resets (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

CREATE TABLE login_failures (
    id  TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures (key, at);

CREATE TABLE mails (
    id         TEXT PRIMARY KEY,
    account_id TEXT,
    to_addr    TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ
);
CREATE INDEX mails_account_created ON mails (account_id, created_at);

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    locked_until TIMESTAMPTZ,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    failed       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX jobs_due ON jobs (run_at) WHERE finished_at IS NULL;

-- +goose Down
DROP TABLE jobs;
DROP TABLE mails;
DROP TABLE login_failures;
DROP TABLE password_resets;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE invitations;
DROP TABLE access_group_members;
DROP TABLE access_groups;
DROP TABLE members;
DROP TABLE accounts;
DROP TABLE users;

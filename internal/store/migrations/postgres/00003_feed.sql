-- +goose Up
-- A thread is a root post and its replies. Privacy belongs to the thread (replies copy the
-- root's flag so that every read filters on the row itself); internal marks provider-only
-- replies.
CREATE TABLE posts (
    account_id       TEXT NOT NULL,
    id               TEXT NOT NULL,
    project_id       TEXT NOT NULL,
    thread_id        TEXT NOT NULL,
    author_id        TEXT REFERENCES users (id),
    kind             TEXT NOT NULL,
    body             TEXT NOT NULL,
    private          BOOLEAN NOT NULL,
    internal         BOOLEAN NOT NULL DEFAULT FALSE,
    pinned           BOOLEAN NOT NULL DEFAULT FALSE,
    task_id          TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    edited_at        TIMESTAMPTZ,
    deleted_at       TIMESTAMPTZ,
    PRIMARY KEY (account_id, id),
    FOREIGN KEY (account_id, project_id) REFERENCES projects (account_id, id)
);
CREATE UNIQUE INDEX posts_id ON posts (id);
-- The public half of a feed page: roots of one project, newest first.
CREATE INDEX posts_public_roots ON posts (account_id, project_id, created_at, id) WHERE kind <> 'reply' AND NOT private AND deleted_at IS NULL;
CREATE INDEX posts_thread ON posts (account_id, thread_id, created_at, id);

-- Who may read a private thread: its author and recipients. thread_created_at lets a user's
-- private threads be read newest first straight from this index (the private half of a page).
CREATE TABLE thread_recipients (
    account_id        TEXT NOT NULL,
    thread_id         TEXT NOT NULL,
    user_id           TEXT NOT NULL REFERENCES users (id),
    project_id        TEXT NOT NULL,
    thread_created_at TIMESTAMPTZ NOT NULL,
    added_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (account_id, thread_id, user_id)
);
CREATE INDEX thread_recipients_user ON thread_recipients (account_id, user_id, project_id, thread_created_at, thread_id);

CREATE TABLE post_mentions (
    account_id TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (account_id, post_id, user_id)
);

CREATE TABLE files (
    account_id   TEXT NOT NULL,
    id           TEXT NOT NULL,
    project_id   TEXT NOT NULL,
    post_id      TEXT NOT NULL,
    thread_id    TEXT NOT NULL,
    uploader_id  TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    deleted_at   TIMESTAMPTZ,
    PRIMARY KEY (account_id, id)
);
CREATE UNIQUE INDEX files_id ON files (id);
CREATE INDEX files_project ON files (account_id, project_id, created_at, id);
CREATE INDEX files_post ON files (account_id, post_id);

CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    account_id TEXT NOT NULL,
    project_id TEXT NOT NULL,
    post_id    TEXT NOT NULL,
    thread_id  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    read_at    TIMESTAMPTZ,
    emailed_at TIMESTAMPTZ
);
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

CREATE TABLE notification_prefs (
    user_id    TEXT NOT NULL REFERENCES users (id),
    project_id TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL,
    muted      BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (user_id, project_id)
);

-- Secrets the server makes for itself on first start (the key that signs reply addresses).
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Notification e-mails carry a signed reply address so that answering posts a reply.
ALTER TABLE mails ADD COLUMN reply_to TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE mails DROP COLUMN reply_to;
DROP TABLE server_secrets;
DROP TABLE notification_prefs;
DROP TABLE notifications;
DROP TABLE files;
DROP TABLE post_mentions;
DROP TABLE thread_recipients;
DROP TABLE posts;

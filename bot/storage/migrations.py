"""Numbered schema migrations for the SQLite store. Append only: never edit a released one."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: flow revisions, sessions pinned to a revision, reports with evidence
    """
    CREATE TABLE flow_revisions (
        id          INTEGER PRIMARY KEY,
        flow_id     TEXT NOT NULL,
        hash        TEXT NOT NULL,
        content     TEXT NOT NULL,
        author      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        UNIQUE (flow_id, hash)
    );
    CREATE TABLE live_flows (
        flow_id     TEXT PRIMARY KEY,
        revision_id INTEGER NOT NULL REFERENCES flow_revisions(id)
    );
    CREATE TABLE sessions (
        chat_key    TEXT PRIMARY KEY,
        revision_id INTEGER NOT NULL REFERENCES flow_revisions(id),
        state       TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE reports (
        id          INTEGER PRIMARY KEY,
        reference   TEXT NOT NULL UNIQUE,
        pin_hash    TEXT NOT NULL,
        flow_id     TEXT NOT NULL,
        revision_id INTEGER NOT NULL REFERENCES flow_revisions(id),
        chat_key    TEXT,
        language    TEXT NOT NULL,
        category    TEXT,
        province    TEXT,
        minor       INTEGER NOT NULL DEFAULT 0,
        status      TEXT NOT NULL DEFAULT 'new',
        answers     TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX reports_chat ON reports (chat_key) WHERE chat_key IS NOT NULL;
    CREATE INDEX reports_queue ON reports (province, status, created_at);
    CREATE TABLE evidence (
        id          INTEGER PRIMARY KEY,
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        url         TEXT NOT NULL,
        platform    TEXT NOT NULL
    );
    CREATE INDEX evidence_report ON evidence (report_id);
    """,
    # 2: per-chat Telegram state (language, activity, last update, question message) and the message
    # ids of the current conversation, which /exit deletes
    """
    CREATE TABLE chats (
        chat_key            TEXT PRIMARY KEY,
        lang                TEXT NOT NULL,
        active              INTEGER NOT NULL DEFAULT 1,
        last_update_id      INTEGER NOT NULL DEFAULT 0,
        question_message_id INTEGER,
        updated_at          TEXT NOT NULL
    );
    CREATE TABLE chat_messages (
        chat_key    TEXT NOT NULL,
        message_id  INTEGER NOT NULL,
        sent_at     REAL NOT NULL,
        PRIMARY KEY (chat_key, message_id)
    );
    CREATE INDEX reports_chat_time ON reports (chat_key, created_at);
    """,
)

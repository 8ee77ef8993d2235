"""Numbered schema migrations for the SQLite store. Append only: never edit a released one."""

from __future__ import annotations

import sqlite3

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
    # 3: focal queues. A report's place in a queue and its workflow; queue groups and registered officers;
    # the durable outbox (written in the report's own transaction); which chat message shows which case;
    # the audit trail; questions relayed to citizens and officers' open "ask" prompts
    """
    ALTER TABLE reports ADD COLUMN queue TEXT;
    ALTER TABLE reports ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE reports ADD COLUMN claimed_by INTEGER;
    ALTER TABLE reports ADD COLUMN claimed_name TEXT;
    ALTER TABLE reports ADD COLUMN claimed_at TEXT;
    ALTER TABLE reports ADD COLUMN outcome TEXT;
    ALTER TABLE reports ADD COLUMN closed_at TEXT;
    ALTER TABLE reports ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE reports ADD COLUMN queued_at TEXT;
    CREATE INDEX reports_open ON reports (queue, status, priority, id);
    CREATE INDEX reports_unclaimed ON reports (status, queued_at);
    CREATE TABLE queues (
        key         TEXT PRIMARY KEY,
        chat_id     INTEGER NOT NULL,
        lang        TEXT NOT NULL DEFAULT 'en',
        bound_by    INTEGER,
        bound_at    TEXT NOT NULL
    );
    CREATE TABLE focal_members (
        queue       TEXT NOT NULL,
        user_id     INTEGER NOT NULL,
        added_by    INTEGER,
        added_at    TEXT NOT NULL,
        PRIMARY KEY (queue, user_id)
    );
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL,
        target      TEXT NOT NULL,
        dedupe_key  TEXT NOT NULL UNIQUE,
        report_id   INTEGER REFERENCES reports(id) ON DELETE CASCADE,
        priority    INTEGER NOT NULL DEFAULT 0,
        payload     TEXT NOT NULL DEFAULT '{}',
        state       TEXT NOT NULL DEFAULT 'pending',
        attempts    INTEGER NOT NULL DEFAULT 0,
        not_before  REAL NOT NULL DEFAULT 0,
        created_at  REAL NOT NULL,
        sent_at     REAL,
        last_error  TEXT
    );
    CREATE INDEX outbox_due ON outbox (state, not_before);
    CREATE TABLE case_messages (
        chat_id     INTEGER NOT NULL,
        message_id  INTEGER NOT NULL,
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        kind        TEXT NOT NULL,
        created_at  REAL NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE INDEX case_messages_report ON case_messages (report_id, kind);
    CREATE TABLE audit (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        actor       INTEGER,
        actor_name  TEXT NOT NULL DEFAULT '',
        action      TEXT NOT NULL,
        report_id   INTEGER,
        queue       TEXT,
        allowed     INTEGER NOT NULL,
        detail      TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX audit_report ON audit (report_id);
    CREATE TABLE questions (
        id          INTEGER PRIMARY KEY,
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        asked_by    INTEGER NOT NULL,
        text        TEXT NOT NULL,
        asked_at    TEXT NOT NULL,
        citizen_message_id INTEGER,
        answered_at TEXT
    );
    CREATE INDEX questions_report ON questions (report_id);
    CREATE TABLE asks (
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        officer_id  INTEGER NOT NULL,
        chat_id     INTEGER NOT NULL,
        prompt_message_id INTEGER,
        opened_at   REAL NOT NULL,
        PRIMARY KEY (report_id, officer_id)
    );
    """,
    # 4: admins added from Telegram (ADMIN_IDS stay admins regardless) and flow files uploaded by admins,
    # kept until published or discarded so a restart between upload and Publish loses nothing
    """
    CREATE TABLE admins (
        user_id     INTEGER PRIMARY KEY,
        added_by    INTEGER,
        added_at    TEXT NOT NULL
    );
    CREATE TABLE flow_candidates (
        id          INTEGER PRIMARY KEY,
        flow_id     TEXT,
        content     TEXT NOT NULL,
        author      INTEGER NOT NULL,
        author_name TEXT NOT NULL DEFAULT '',
        state       TEXT NOT NULL DEFAULT 'pending',
        created_at  TEXT NOT NULL
    );
    CREATE INDEX sessions_age ON sessions (updated_at);
    """,
    # 5: what citizens tell us is sealed (keyring.py; open() seals rows written before this); senders whose
    # cases were marked spam, and blocks set by admins; closed cases anonymised after the retention time
    """
    CREATE TABLE senders (
        chat_key    TEXT PRIMARY KEY,
        spam_marks  INTEGER NOT NULL DEFAULT 0,
        blocked     INTEGER NOT NULL DEFAULT 0,
        blocked_by  INTEGER,
        blocked_at  TEXT,
        why         TEXT NOT NULL DEFAULT ''
    );
    ALTER TABLE reports ADD COLUMN anonymised_at TEXT;
    CREATE INDEX reports_closed ON reports (closed_at) WHERE closed_at IS NOT NULL AND anonymised_at IS NULL;
    """,
    # 6: indexes bench/store_steps.py showed missing at 1 M reports: /forget and anonymisation scanned the
    # outbox (~95 ms per call), /stats scanned reports for its date windows
    """
    CREATE INDEX outbox_report ON outbox (report_id) WHERE report_id IS NOT NULL;
    CREATE INDEX outbox_target ON outbox (target);
    CREATE INDEX reports_created ON reports (created_at);
    CREATE INDEX reports_claimed ON reports (claimed_at) WHERE claimed_at IS NOT NULL;
    """,
    # 7: running totals of reports by province, category and status, kept by triggers in the same
    # transaction as the change: /stats read whole tables (1.5 s at 1 M reports) for these figures
    """
    CREATE TABLE report_counts (
        province    TEXT NOT NULL,
        category    TEXT NOT NULL,
        status      TEXT NOT NULL,
        n           INTEGER NOT NULL,
        PRIMARY KEY (province, category, status)
    ) WITHOUT ROWID;
    INSERT INTO report_counts (province, category, status, n)
        SELECT coalesce(province, 'none'), coalesce(category, 'none'), status, count(*) FROM reports GROUP BY 1, 2, 3;
    CREATE TRIGGER report_counts_insert AFTER INSERT ON reports BEGIN
        INSERT INTO report_counts (province, category, status, n)
            VALUES (coalesce(new.province, 'none'), coalesce(new.category, 'none'), new.status, 1)
            ON CONFLICT (province, category, status) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER report_counts_update AFTER UPDATE OF province, category, status ON reports
        WHEN old.province IS NOT new.province OR old.category IS NOT new.category OR old.status IS NOT new.status
    BEGIN
        UPDATE report_counts SET n = n - 1
            WHERE province = coalesce(old.province, 'none') AND category = coalesce(old.category, 'none')
            AND status = old.status;
        INSERT INTO report_counts (province, category, status, n)
            VALUES (coalesce(new.province, 'none'), coalesce(new.category, 'none'), new.status, 1)
            ON CONFLICT (province, category, status) DO UPDATE SET n = n + 1;
    END;
    CREATE TRIGGER report_counts_delete AFTER DELETE ON reports BEGIN
        UPDATE report_counts SET n = n - 1
            WHERE province = coalesce(old.province, 'none') AND category = coalesce(old.category, 'none')
            AND status = old.status;
    END;
    """,
    # 8: wrong status PINs, counted per reference (across chats) and per chat, and references whose PIN
    # check is paused (pin_guard.py); rows go once older than a day
    """
    CREATE TABLE pin_failures (
        id          INTEGER PRIMARY KEY,
        reference   TEXT NOT NULL,
        chat_key    TEXT NOT NULL,
        at          REAL NOT NULL
    );
    CREATE INDEX pin_failures_reference ON pin_failures (reference, at);
    CREATE INDEX pin_failures_chat ON pin_failures (chat_key, at);
    CREATE INDEX pin_failures_at ON pin_failures (at);
    CREATE TABLE pin_locks (
        reference   TEXT PRIMARY KEY,
        until       REAL NOT NULL
    ) WITHOUT ROWID;
    """,
    # 9: a claim of a delivery holds it for a lease (until lease_until, epoch seconds) by an owner, as in
    # PostgreSQL's migration 2, where several instances share the outbox. Rows left ``sending`` before
    # this have no lease: recover_in_flight puts them back at start-up.
    """
    ALTER TABLE outbox ADD COLUMN lease_until REAL;
    ALTER TABLE outbox ADD COLUMN owner TEXT;
    """,
    # 10: the officers' web desk. A citizen's answer is kept (sealed) for the case's thread, no longer only
    # relayed; one-time sign-in passes and signed-in sessions, stored by the hash of their token only
    """
    ALTER TABLE questions ADD COLUMN answer TEXT;
    CREATE TABLE desk_passes (
        token_hash  TEXT PRIMARY KEY,
        user_id     INTEGER NOT NULL,
        name        TEXT NOT NULL,
        expires_at  REAL NOT NULL,
        used_at     REAL
    ) WITHOUT ROWID;
    CREATE INDEX desk_passes_expiry ON desk_passes (expires_at);
    CREATE TABLE desk_sessions (
        session_hash TEXT PRIMARY KEY,
        user_id      INTEGER NOT NULL,
        name         TEXT NOT NULL,
        lang         TEXT NOT NULL,
        csrf         TEXT NOT NULL,
        expires_at   REAL NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX desk_sessions_user ON desk_sessions (user_id);
    -- The desk's lists in their order (priority first, then oldest): every case (an admin's list),
    -- children only, and one officer's claimed cases; bench/desk_pages.py at 100,000 cases.
    CREATE INDEX reports_desk_order ON reports (priority DESC, id);
    CREATE INDEX reports_desk_children ON reports (priority DESC, id) WHERE minor = 1;
    CREATE INDEX reports_desk_claimant ON reports (claimed_by, priority DESC, id) WHERE claimed_by IS NOT NULL;
    """,
    # 11: connected cases. What a report names about the abuser (handles, profile links, phone numbers),
    # each kept only as a keyed hash (cases/matching.py): reports sharing a key name the same account
    """
    CREATE TABLE case_keys (
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        key         TEXT NOT NULL,
        PRIMARY KEY (report_id, key)
    ) WITHOUT ROWID;
    CREATE INDEX case_keys_key ON case_keys (key, report_id);
    """,
    # 12: what a citizen adds to her open case after sending it (/add): the text, sealed; its links go
    # to the case's evidence
    """
    CREATE TABLE additions (
        id          INTEGER PRIMARY KEY,
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        text        TEXT NOT NULL,
        added_at    TEXT NOT NULL
    );
    CREATE INDEX additions_report ON additions (report_id);
    """,
    # 13: evidence files, the custody log of what an adult's report brought: Telegram's reference (sealed)
    # until the file is fetched once, then its content (sealed), its SHA-256 and when it was kept; and the
    # time each evidence link was received (NULL for links stored before)
    """
    ALTER TABLE evidence ADD COLUMN received_at TEXT;
    CREATE TABLE evidence_files (
        id          INTEGER PRIMARY KEY,
        report_id   INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        position    INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        mime_type   TEXT NOT NULL,
        size        INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        status      TEXT NOT NULL,
        source      TEXT,
        content     TEXT,
        sha256      TEXT,
        kept_at     TEXT,
        note        TEXT NOT NULL DEFAULT '',
        attempts    INTEGER NOT NULL DEFAULT 0,
        lease_until REAL
    );
    CREATE INDEX evidence_files_report ON evidence_files (report_id, position);
    CREATE INDEX evidence_files_waiting ON evidence_files (id) WHERE status = 'waiting';
    """,
    # 14: the receipt's PIN sealed with the data key like the answers, instead of hashed with scrypt
    # (docs/security.md, "The PIN"): the column is named for what it holds. Hashes stored before stay and
    # are still checked; the next ``keys rotate`` seals them as they are.
    """
    ALTER TABLE reports RENAME COLUMN pin_hash TO pin;
    """,
)


def statements(script: str) -> list[str]:
    """A migration's statements, split where SQLite says one ends (a trigger's body holds semicolons)."""
    found: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        raise ValueError(f"unfinished statement in a migration: {pending.strip()[:60]!r}")
    return found

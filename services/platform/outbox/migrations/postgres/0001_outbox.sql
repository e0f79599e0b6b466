-- Transactional outbox. outbox_head holds the last sequence handed out; its
-- single row is updated in every writing transaction, which serialises
-- sequence assignment in commit order (see outbox.go).
CREATE TABLE outbox_events (
    sequence    BIGINT PRIMARY KEY,
    event_type  TEXT   NOT NULL,
    resource    TEXT   NOT NULL,
    family      TEXT   NOT NULL DEFAULT '',
    commit_time BIGINT NOT NULL
);

CREATE TABLE outbox_head (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    sequence BIGINT  NOT NULL
);

INSERT INTO outbox_head (id, sequence) VALUES (1, 0);

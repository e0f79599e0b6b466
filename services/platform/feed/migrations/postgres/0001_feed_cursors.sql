-- Durable cursors of the change feeds this service consumes: the last
-- sequence fully handled per feed. Delivery is at least once, so a handler
-- may see an event again after a crash between handling and saving.
CREATE TABLE feed_cursors (
    feed       TEXT   PRIMARY KEY,
    sequence   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A DM's channel is the bot's direct-message channel with one person: the
-- recipient, and for an anonymous DM reply the author of the message replied
-- to. Stored plain, it would let someone holding the database read, from the
-- reply's row, who wrote the first message of the conversation. From now on a
-- DM's channel is sealed in messages.channel_sealed (associated data: table,
-- column, workspace, message id) and DM rows keep channel_id NULL; DM
-- conversations keep no channel at all.
ALTER TABLE messages ADD COLUMN channel_sealed BLOB;

-- Rows written before this migration: their plain DM channel is dropped (it
-- served only to check that a click came from the DM it was delivered in;
-- the recipient check still applies to them).
UPDATE messages SET channel_id = NULL WHERE kind = 'DM';
UPDATE conversations SET channel_id = NULL WHERE kind = 'DM';

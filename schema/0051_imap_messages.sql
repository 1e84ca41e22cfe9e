-- 0051_imap_messages.sql - indexes for cairn-imapd's message commands.
--
-- IMAP keywords are case-insensitive (RFC 9051 2.3.2): one keywords row per name
-- regardless of case, found through lower(name).  The first spelling stored wins,
-- as clients see it in FLAGS.
CREATE UNIQUE INDEX keywords_lower_name ON keywords (lower(name));

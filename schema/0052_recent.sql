-- 0052_recent.sql - IMAP \Recent (RFC 3501 2.3.2) across the cluster.
--
-- A message is \Recent in exactly one session: the first one to SELECT its mailbox
-- (read-write) after the message arrived, on whichever node.  Sessions share only
-- PostgreSQL, so the claim is recorded here: mailboxes.recent_uid is the highest
-- UID some session has already taken as recent.  UIDs only grow, so "claimed" is
-- exactly "uid <= recent_uid", and a claim moves the mark up to the highest UID the
-- claiming session knows of; the UIDs between the old and the new mark are that
-- session's recent messages.  Sessions that do not claim (EXAMINE, IMAP4rev2, no
-- write rights) show the unclaimed messages (uid > recent_uid) as \Recent, and
-- STATUS (RECENT) counts them.
--
-- Existing mailboxes start with everything claimed: a message that was already
-- there before this migration is not new to anyone.

ALTER TABLE mailboxes ADD COLUMN recent_uid bigint NOT NULL DEFAULT 0
	CHECK (recent_uid BETWEEN 0 AND 4294967295);

UPDATE mailboxes SET recent_uid = uidnext - 1;

-- Claim the UIDs up to p_upto of mailbox p_mailbox as recent for the caller.
-- Returns the mark before the call (NULL when there is no such mailbox): the
-- caller's recent messages are those with before < uid <= p_upto (none when
-- before >= p_upto, another session was first).  Takes the mailbox row lock only
-- for the short update (FOR NO KEY UPDATE, like every writer of the row, so inserts
-- referencing the mailbox are not blocked); nothing else is locked, so it cannot
-- deadlock with deliveries, COPY or EXPUNGE.  Called from a single statement in
-- READ COMMITTED: the locked read sees the latest committed mark, so two sessions
-- claiming at once get disjoint ranges.
CREATE FUNCTION cairn_recent_claim(p_mailbox bigint, p_upto bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	v_before bigint;
BEGIN
	SELECT recent_uid INTO v_before FROM mailboxes WHERE id = p_mailbox FOR NO KEY UPDATE;
	IF v_before < p_upto THEN
		UPDATE mailboxes SET recent_uid = p_upto WHERE id = p_mailbox;
	END IF;
	RETURN v_before;
END
$$;

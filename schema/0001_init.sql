-- 0001_init.sql - the metadata schema of DESIGN.md section 3.
--
-- Applied by `cairnctl db migrate` in one transaction and recorded in
-- schema_version.  Never edit a landed migration: add 0002_*.sql instead.
--
-- Conventions: ids are bigint identities; IMAP UIDs and MODSEQs are stored as
-- int8 with range checks (UIDs are unsigned 32-bit on the wire); timestamps are
-- timestamptz; names are text in UTF-8 (mUTF-7 is only a wire encoding).

CREATE TABLE domains (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name          text NOT NULL UNIQUE CHECK (name = lower(name) AND name <> ''),
	quota_root_id bigint,
	created_at    timestamptz NOT NULL DEFAULT now()
);

-- Users, groups and each domain's public-folder owner ("anyone"-style owners of
-- "Shared Folders/").  Login is localpart@domain.
CREATE TABLE accounts (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	domain_id     bigint NOT NULL REFERENCES domains(id) ON DELETE CASCADE,
	localpart     text NOT NULL CHECK (localpart = lower(localpart) AND localpart <> ''),
	kind          text NOT NULL DEFAULT 'user' CHECK (kind IN ('user', 'group', 'public')),
	-- SCRAM-SHA-256 record (RFC 5802/7677): serves PLAIN, LOGIN and SCRAM.
	scram_salt    bytea,
	scram_iter    integer CHECK (scram_iter IS NULL OR scram_iter >= 4096),
	scram_stored  bytea,
	scram_server  bytea,
	disabled      boolean NOT NULL DEFAULT false,
	quota_root_id bigint,
	created_at    timestamptz NOT NULL DEFAULT now(),
	UNIQUE (domain_id, localpart)
);

CREATE TABLE group_members (
	group_id   bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	PRIMARY KEY (group_id, account_id)
);

-- Limits and usage, updated in the same transaction as the change they count.
CREATE TABLE quota_roots (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name           text NOT NULL,
	storage_limit  bigint CHECK (storage_limit IS NULL OR storage_limit >= 0),  -- bytes
	message_limit  bigint CHECK (message_limit IS NULL OR message_limit >= 0),
	storage_used   bigint NOT NULL DEFAULT 0,
	messages_used  bigint NOT NULL DEFAULT 0
);
ALTER TABLE domains ADD FOREIGN KEY (quota_root_id) REFERENCES quota_roots(id) ON DELETE SET NULL;
ALTER TABLE accounts ADD FOREIGN KEY (quota_root_id) REFERENCES quota_roots(id) ON DELETE SET NULL;

CREATE TABLE mailboxes (
	id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_id       bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name           text NOT NULL CHECK (name <> '' AND name NOT LIKE '/%' AND name NOT LIKE '%/'),
	uidvalidity    bigint NOT NULL CHECK (uidvalidity BETWEEN 1 AND 4294967295),
	uidnext        bigint NOT NULL DEFAULT 1 CHECK (uidnext BETWEEN 1 AND 4294967296),
	highestmodseq  bigint NOT NULL DEFAULT 1 CHECK (highestmodseq >= 1),
	deletedmodseq  bigint NOT NULL DEFAULT 0,  -- tombstones at or below were purged
	messages       bigint NOT NULL DEFAULT 0,
	unseen         bigint NOT NULL DEFAULT 0,  -- owner's view
	deleted_msgs   bigint NOT NULL DEFAULT 0,  -- messages with \Deleted
	size           bigint NOT NULL DEFAULT 0,
	special_use    text,                       -- '\Sent', '\Drafts', ...
	quota_root_id  bigint REFERENCES quota_roots(id) ON DELETE SET NULL,
	created_at     timestamptz NOT NULL DEFAULT now(),
	-- DELETE keeps the row (marked) so that a re-created mailbox gets a new
	-- UIDVALIDITY and stale UIDs can never be reused.
	deleted_at     timestamptz
);
CREATE UNIQUE INDEX mailboxes_owner_name ON mailboxes (owner_id, name) WHERE deleted_at IS NULL;
CREATE INDEX mailboxes_owner ON mailboxes (owner_id);

-- One row per distinct blob: the parse-once message index.
CREATE TABLE messages (
	id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sha256          bytea NOT NULL UNIQUE CHECK (length(sha256) = 32),
	size            bigint NOT NULL CHECK (size >= 0),
	header_size     bigint NOT NULL DEFAULT 0,
	body_lines      bigint NOT NULL DEFAULT 0,
	sent_date       timestamptz,
	envelope        text,       -- rendered IMAP ENVELOPE
	bodystructure   text,       -- rendered IMAP BODYSTRUCTURE (extensible form)
	body            text,       -- rendered IMAP BODY (non-extensible form)
	parts           bytea,      -- packed MIME part offsets (lib/imap section map)
	message_id      text,
	in_reply_to     text,
	references_hdr  text,
	subject         text,       -- decoded (RFC 2047) subject
	from_addr       text,
	to_addr         text,
	cc_addr         text,
	bcc_addr        text,
	search_headers  text,       -- decoded header text for SEARCH HEADER
	search_text     text,       -- decoded body text for SEARCH BODY/TEXT
	created_at      timestamptz NOT NULL DEFAULT now()
);

-- Blob refcounts for GC: a file is deleted only while holding its row lock,
-- after refcount dropped to 0 at least a grace period ago (DESIGN 3).
CREATE TABLE blobs (
	sha256       bytea PRIMARY KEY CHECK (length(sha256) = 32),
	size         bigint NOT NULL CHECK (size >= 0),
	refcount     bigint NOT NULL DEFAULT 0 CHECK (refcount >= 0),
	last_ref_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blobs_gc ON blobs (last_ref_at) WHERE refcount = 0;

CREATE TABLE keywords (
	id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name  text NOT NULL UNIQUE
);

-- flags bitmask: 1 \Seen, 2 \Answered, 4 \Flagged, 8 \Deleted, 16 \Draft.
CREATE TABLE mailbox_messages (
	mailbox_id    bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	uid           bigint NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
	message_id    bigint NOT NULL REFERENCES messages(id),
	modseq        bigint NOT NULL CHECK (modseq >= 1),
	flags         integer NOT NULL DEFAULT 0,
	keywords      bigint[] NOT NULL DEFAULT '{}',
	internaldate  timestamptz NOT NULL DEFAULT now(),
	savedate      timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX mailbox_messages_modseq ON mailbox_messages (mailbox_id, modseq);
CREATE INDEX mailbox_messages_message ON mailbox_messages (message_id);

-- Tombstones for QRESYNC VANISHED and for sessions catching up on expunges.
CREATE TABLE expunged (
	mailbox_id  bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	uid         bigint NOT NULL CHECK (uid BETWEEN 1 AND 4294967295),
	modseq      bigint NOT NULL,
	expunged_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (mailbox_id, uid)
);
CREATE INDEX expunged_modseq ON expunged (mailbox_id, modseq);

-- Per-user \Seen in shared and public folders (owners use the flags column).
CREATE TABLE seen_private (
	account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	mailbox_id  bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	uid         bigint NOT NULL,
	modseq      bigint NOT NULL,
	PRIMARY KEY (account_id, mailbox_id, uid)
);

-- RFC 4314 rights.  identifier: 'anyone', 'anonymous', an account login
-- 'user@domain', or a group '$group@domain'; negative rights carry a '-' prefix.
CREATE TABLE acl (
	mailbox_id  bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	identifier  text NOT NULL,
	rights      text NOT NULL CHECK (rights ~ '^[a-z0-9]*$'),
	PRIMARY KEY (mailbox_id, identifier)
);

-- By name, so a subscription survives its mailbox's deletion (RFC 3501 6.3.6).
CREATE TABLE subscriptions (
	account_id  bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	name        text NOT NULL,
	PRIMARY KEY (account_id, name)
);

-- Duplicate suppression at delivery: Message-ID per target mailbox, in a window.
CREATE TABLE delivery_dedup (
	mailbox_id    bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
	message_id    text NOT NULL,
	delivered_at  timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (mailbox_id, message_id)
);
CREATE INDEX delivery_dedup_age ON delivery_dedup (delivered_at);

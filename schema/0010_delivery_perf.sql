-- 0010_delivery_perf.sql - the delivery transaction as one server-side function.
--
-- lib/store/deliver.c used to run the delivery transaction as ~10 statements, each
-- a network round trip and a fresh parse + plan.  cairn_deliver() does the same work,
-- in the same lock order, in one call: run as a single (prepared) statement outside
-- an explicit transaction it is its own transaction and commits when it returns, so
-- a delivery costs one round trip and PL/pgSQL's cached plans.
--
-- Lock order (as before, so deliveries, APPENDs and GC never deadlock): target
-- mailboxes by id, then quota roots by id, then the blobs row.
--
-- Arguments:
--   p_boxes          distinct target mailbox ids, ascending
--   p_sha, p_size    the blob (already written and fsynced by the caller)
--   p_dedup_window   seconds; 0 = no duplicate suppression
--   p_blob_created   the caller's write created the blob file (it did not exist)
--   p_verify_in_txn  the caller runs this inside BEGIN and checks the blob file
--                    under the blobs row lock before COMMIT (see below)
--   p_flags, p_keywords, p_internaldate   what the new rows start with (APPEND);
--                    p_internaldate is Unix time, NULL = now()
--   p_header_size .. p_search_text   the parse-once index of a blob seen for the
--                    first time; all NULL when the caller did not parse it
--
-- One result row of arrays parallel to p_boxes: status (0 delivered, 1 duplicate:
-- same Message-ID within the window, 2 mailbox gone: temporary failure, 3 over
-- quota), uid and modseq.  status NULL and nothing changed: the blob has no
-- `messages` row yet, call again with its index.
--
-- Blob GC deletes a file only under its blobs row lock when refcount = 0.  When
-- this delivery did not create the file itself and the row is absent or at
-- refcount 0, GC may have removed the file after the caller wrote it; then the
-- function raises SQLSTATE CB001 (everything rolled back) and the caller repeats
-- the call with p_verify_in_txn inside BEGIN ... COMMIT, re-writing the file if it
-- is gone while holding the row lock.  Otherwise (refcount > 0, or a file this
-- delivery just created) the file is there; the caller also checks it after
-- COMMIT, when the refcount keeps GC away, which covers a file lost outside GC.

CREATE FUNCTION cairn_deliver(
	p_boxes bigint[], p_sha bytea, p_size bigint, p_dedup_window integer,
	p_blob_created boolean, p_verify_in_txn boolean,
	p_flags integer, p_keywords bigint[], p_internaldate double precision,
	p_header_size bigint, p_body_lines bigint, p_sent_date double precision,
	p_envelope text, p_bodystructure text, p_body text, p_parts bytea,
	p_message_id text, p_in_reply_to text, p_references text, p_subject text,
	p_from text, p_to text, p_cc text, p_bcc text,
	p_search_headers text, p_search_text text,
	OUT status integer[], OUT uid bigint[], OUT modseq bigint[])
LANGUAGE plpgsql
-- Plans are cached per session; custom plans per call would only re-plan the same.
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
	n integer := coalesce(array_length(p_boxes, 1), 0);
	v_r0 bigint[] := array_fill(NULL::bigint, ARRAY[n]);  -- mailbox-or-account root
	v_r1 bigint[] := array_fill(NULL::bigint, ARRAY[n]);  -- domain root
	v_ids bigint[];
	v_a bigint[];
	v_b bigint[];
	v_roots bigint[] := '{}';
	q_id bigint[] := '{}';
	q_slim bigint[]; q_mlim bigint[]; q_sused bigint[]; q_mused bigint[];
	q_addb bigint[]; q_addm bigint[];
	v_msg bigint;
	v_mid text;
	v_live bigint[] := '{}';
	v_fresh bigint[];
	v_new bigint;
	i integer;
	k integer;
	rid bigint;
BEGIN
	status := array_fill(2, ARRAY[n]);               -- 2 until the row is locked
	uid := array_fill(NULL::bigint, ARRAY[n]);
	modseq := uid;
	-- Lock the targets (by id) and find the blob's index row, in one statement.
	SELECT x.ids, x.r0s, x.r1s, g.id, g.message_id INTO v_ids, v_a, v_b, v_msg, v_mid
	  FROM (SELECT array_agg(y.id) AS ids, array_agg(y.r0) AS r0s, array_agg(y.r1) AS r1s
	          FROM (SELECT m.id, coalesce(m.quota_root_id, a.quota_root_id) AS r0,
	                       d.quota_root_id AS r1
	                  FROM mailboxes m JOIN accounts a ON a.id = m.owner_id
	                  JOIN domains d ON d.id = a.domain_id
	                 WHERE m.id = ANY(p_boxes) AND m.deleted_at IS NULL
	                 ORDER BY m.id FOR UPDATE OF m) y) x
	  LEFT JOIN messages g ON g.sha256 = p_sha;
	IF v_msg IS NULL THEN
		IF p_header_size IS NULL THEN
			status := NULL;
			RETURN;
		END IF;
		v_mid := p_message_id;
	END IF;
	FOR k IN 1 .. coalesce(cardinality(v_ids), 0) LOOP
		i := array_position(p_boxes, v_ids[k]);
		status[i] := 0;
		v_r0[i] := v_a[k];
		v_r1[i] := CASE WHEN v_b[k] = v_a[k] THEN NULL ELSE v_b[k] END;
		IF v_r0[i] IS NOT NULL THEN v_roots := v_roots || v_r0[i]; END IF;
		IF v_r1[i] IS NOT NULL THEN v_roots := v_roots || v_r1[i]; END IF;
	END LOOP;

	-- Quota roots of the live targets, locked by id; checked and charged in id
	-- order: a target that does not fit is over quota.
	IF cardinality(v_roots) > 0 THEN
		SELECT array_agg(q.id), array_agg(coalesce(q.storage_limit, -1)),
		       array_agg(coalesce(q.message_limit, -1)),
		       array_agg(q.storage_used), array_agg(q.messages_used)
		  INTO q_id, q_slim, q_mlim, q_sused, q_mused
		  FROM (SELECT * FROM quota_roots WHERE id = ANY(v_roots)
		         ORDER BY id FOR UPDATE) q;
		q_id := coalesce(q_id, '{}');
	END IF;
	q_addb := array_fill(0::bigint, ARRAY[cardinality(q_id)]);
	q_addm := q_addb;
	FOR i IN 1 .. n LOOP
		CONTINUE WHEN status[i] <> 0;
		FOREACH rid IN ARRAY ARRAY[v_r0[i], v_r1[i]] LOOP
			k := array_position(q_id, rid);
			IF k IS NOT NULL
			   AND ((q_slim[k] >= 0 AND q_sused[k] + q_addb[k] + p_size > q_slim[k])
			        OR (q_mlim[k] >= 0 AND q_mused[k] + q_addm[k] + 1 > q_mlim[k])) THEN
				status[i] := 3;
			END IF;
		END LOOP;
		CONTINUE WHEN status[i] <> 0;
		FOREACH rid IN ARRAY ARRAY[v_r0[i], v_r1[i]] LOOP
			k := array_position(q_id, rid);
			CONTINUE WHEN k IS NULL;
			q_addb[k] := q_addb[k] + p_size;
			q_addm[k] := q_addm[k] + 1;
		END LOOP;
		v_live := v_live || p_boxes[i];
	END LOOP;

	-- Duplicate suppression: a live target that got no row back saw this
	-- Message-ID within the window.
	IF p_dedup_window > 0 AND v_mid <> '' AND octet_length(v_mid) <= 900
	   AND cardinality(v_live) > 0 THEN
		WITH ins AS (
			INSERT INTO delivery_dedup AS dd (mailbox_id, message_id)
			SELECT unnest(v_live), v_mid
			ON CONFLICT (mailbox_id, message_id) DO UPDATE SET delivered_at = now()
			WHERE dd.delivered_at < now() - make_interval(secs => p_dedup_window)
			RETURNING dd.mailbox_id)
		SELECT coalesce(array_agg(ins.mailbox_id), '{}') INTO v_fresh FROM ins;
		IF cardinality(v_fresh) < cardinality(v_live) THEN
			v_live := '{}';
			FOR i IN 1 .. n LOOP
				CONTINUE WHEN status[i] <> 0;
				IF p_boxes[i] = ANY(v_fresh) THEN
					v_live := v_live || p_boxes[i];
					CONTINUE;
				END IF;
				status[i] := 1;
				-- Not delivered after all: take back its charge.
				FOREACH rid IN ARRAY ARRAY[v_r0[i], v_r1[i]] LOOP
					k := array_position(q_id, rid);
					CONTINUE WHEN k IS NULL;
					q_addb[k] := q_addb[k] - p_size;
					q_addm[k] := q_addm[k] - 1;
				END LOOP;
			END LOOP;
		END IF;
	END IF;

	IF cardinality(v_live) = 0 THEN
		RETURN;
	END IF;
	IF v_msg IS NULL THEN
		INSERT INTO messages (sha256, size, header_size, body_lines, sent_date, envelope,
		                      bodystructure, body, parts, message_id, in_reply_to,
		                      references_hdr, subject, from_addr, to_addr, cc_addr,
		                      bcc_addr, search_headers, search_text)
		VALUES (p_sha, p_size, p_header_size, p_body_lines, to_timestamp(p_sent_date),
		        p_envelope, p_bodystructure, p_body, p_parts, p_message_id,
		        p_in_reply_to, p_references, p_subject, p_from, p_to, p_cc, p_bcc,
		        p_search_headers, p_search_text)
		ON CONFLICT (sha256) DO NOTHING RETURNING id INTO v_msg;
		IF v_msg IS NULL THEN
			-- A concurrent delivery of the same bytes inserted it first.
			SELECT m.id INTO STRICT v_msg FROM messages m WHERE m.sha256 = p_sha;
		END IF;
	END IF;

	-- UID and MODSEQ from each mailbox row (locked above, so UIDs ascend in
	-- commit order), counters, and the new rows.
	WITH a AS (
		UPDATE mailboxes SET uidnext = uidnext + 1,
		       highestmodseq = highestmodseq + 1, messages = messages + 1,
		       unseen = unseen + CASE WHEN p_flags & 1 = 0 THEN 1 ELSE 0 END,
		       deleted_msgs = deleted_msgs + CASE WHEN p_flags & 8 = 0 THEN 0 ELSE 1 END,
		       size = size + p_size
		 WHERE id = ANY(v_live) RETURNING id, uidnext - 1 AS new_uid, highestmodseq),
	ins AS (
		INSERT INTO mailbox_messages (mailbox_id, uid, message_id, modseq, flags,
		                              keywords, internaldate)
		SELECT a.id, a.new_uid, v_msg, a.highestmodseq, p_flags & 31, p_keywords,
		       coalesce(to_timestamp(p_internaldate), now())
		  FROM a RETURNING mailbox_id AS id, uid AS u, modseq AS ms)
	SELECT array_agg(ins.id), array_agg(ins.u), array_agg(ins.ms) INTO v_ids, v_a, v_b
	  FROM ins;
	FOR k IN 1 .. coalesce(cardinality(v_ids), 0) LOOP
		i := array_position(p_boxes, v_ids[k]);
		uid[i] := v_a[k];
		modseq[i] := v_b[k];
	END LOOP;

	IF cardinality(q_id) > 0 THEN
		UPDATE quota_roots q SET storage_used = q.storage_used + c.b,
		       messages_used = q.messages_used + c.m
		  FROM unnest(q_id, q_addb, q_addm) AS c(id, b, m)
		 WHERE q.id = c.id AND c.m > 0;
	END IF;

	-- Reference the blob; its row lock keeps GC away until commit.  Refcount 0
	-- before (a new row, or a GC candidate) with a file this delivery did not
	-- create: GC may have removed the file since, check it under the lock.
	INSERT INTO blobs AS b (sha256, size, refcount) VALUES (p_sha, p_size, cardinality(v_live))
	ON CONFLICT (sha256) DO UPDATE SET refcount = b.refcount + EXCLUDED.refcount,
	                                   last_ref_at = now()
	RETURNING b.refcount INTO v_new;
	IF NOT p_verify_in_txn AND NOT p_blob_created AND v_new = cardinality(v_live) THEN
		RAISE EXCEPTION 'blob file must be checked under its row lock' USING ERRCODE = 'CB001';
	END IF;
END
$$;

-- Search text is long and often compresses little; lz4 tries it far more cheaply
-- than the default pglz (new values only; both decompress transparently).  Only
-- where this PostgreSQL was built with lz4.
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'
	                                       AND 'lz4' = ANY(enumvals)) THEN
		ALTER TABLE messages ALTER COLUMN search_text SET COMPRESSION lz4,
		                     ALTER COLUMN search_headers SET COMPRESSION lz4;
	END IF;
END
$$;

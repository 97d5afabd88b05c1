-- pgbench script: exactly the SQL of one transition through the API on
-- PostgreSQL (decisionflow's storage package, statement for statement), run
-- prepared (-M prepared) as the server runs it, so that "API transitions per
-- second / pgbench transactions per second" is the share of the database's
-- own limit that the whole server reaches.
--
-- 1. authenticate the bearer token            (storage.userByTokenSQL)
-- 2. BEGIN; lock the decision row with its draft, comment period and
--    journal head, and the row versions       (storage.lockPostgres)
-- 3. write the new state and version and append the journal entry, one
--    statement                                 (storage.saveAndAppendSQL)
-- 4. COMMIT
--
-- Each pgbench client works on its own decision, as each API client does.
-- {{TOKEN_HASH}}, {{BASE}} and {{DATA}} are filled in by `make bench`; the
-- entry's seq comes from the head read in step 2 (\gset).
\set id :client_id + {{BASE}}
SELECT u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled, u.created_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id
  WHERE t.token_hash = '{{TOKEN_HASH}}' AND t.expires_at > now() AND NOT u.disabled;
BEGIN;
SELECT d.id, d.title, d.summary, d.category, d.undertaking_unit, d.state, d.version, d.policy,
       d.created_by, d.created_at, d.updated_at, d.decided_on, d.legality_submitted_on,
       d.state_entered_on, d.review_requested_by,
       dr.version AS draft_version, dr.text AS draft_text, dr.legal_bases AS draft_legal_bases,
       dr.sha256 AS draft_sha256, dr.created_by AS draft_created_by, dr.created_at AS draft_created_at,
       cp.opens_on, cp.closes_on, cp.channels, cp.shortening_reason,
       (SELECT j.seq FROM journal j WHERE j.decision_id = d.id ORDER BY j.seq DESC LIMIT 1) AS head_seq,
       (SELECT j.hash FROM journal j WHERE j.decision_id = d.id ORDER BY j.seq DESC LIMIT 1) AS head_hash,
       d.xmin::text AS row_xmin,
       (SELECT d2.xmin::text FROM decisions d2 WHERE d2.id = d.id) AS snap_xmin
  FROM decisions d
  LEFT JOIN drafts dr ON dr.decision_id = d.id AND dr.version = (SELECT max(version) FROM drafts WHERE decision_id = d.id)
  LEFT JOIN comment_periods cp ON cp.decision_id = d.id
  WHERE d.id = :id FOR UPDATE OF d \gset
WITH u AS (
  UPDATE decisions SET state = CASE state WHEN 'deferred' THEN 'collective_decision' ELSE 'deferred' END,
         version = version + 1, updated_at = now(), decided_on = NULL, legality_submitted_on = legality_submitted_on,
         state_entered_on = current_date, review_requested_by = review_requested_by
  WHERE id = :id RETURNING id)
INSERT INTO journal (decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash)
  SELECT u.id, :head_seq + 1, 'transition', 'defer', 'collective_decision', 'deferred', 'head', 'head',
         now(), '{{DATA}}', :head_hash, repeat('1', 64)
  FROM u;
COMMIT;

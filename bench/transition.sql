-- pgbench script: exactly the SQL of one transition through the API on
-- PostgreSQL (decisionflow's storage package, statement for statement), so
-- that "API transitions per second / pgbench transactions per second" is the
-- share of the database's own limit that the whole server reaches.
--
-- 1. authenticate the bearer token            (workflow.Accounts.Authenticate)
-- 2. BEGIN; lock the decision row with its draft and comment period
--                                              (storage.UpdateDecision)
-- 3. read the journal head                     (decisionTx.LastEntry)
-- 4. write the new state and version           (decisionTx.SaveDecision)
-- 5. append the journal entry                  (decisionTx.AppendEntry)
-- 6. COMMIT
--
-- Each pgbench client works on its own decision, as each API client does.
-- {{TOKEN_HASH}}, {{BASE}} and {{DATA}} are filled in by `make bench`.
\set id :client_id + {{BASE}}
SELECT u.id, u.username, u.display_name, u.role, u.password_hash, u.disabled, u.created_at
  FROM api_tokens t JOIN users u ON u.id = t.user_id
  WHERE t.token_hash = '{{TOKEN_HASH}}' AND t.expires_at > now() AND NOT u.disabled;
BEGIN;
SELECT d.id, d.title, d.summary, d.category, d.undertaking_unit, d.state, d.version, d.policy,
       d.created_by, d.created_at, d.updated_at, d.decided_on, d.legality_submitted_on,
       dr.version AS draft_version, dr.text AS draft_text, dr.legal_bases AS draft_legal_bases,
       dr.sha256 AS draft_sha256, dr.created_by AS draft_created_by, dr.created_at AS draft_created_at,
       cp.opens_on, cp.closes_on, cp.channels, cp.shortening_reason
  FROM decisions d
  LEFT JOIN drafts dr ON dr.decision_id = d.id AND dr.version = (SELECT max(version) FROM drafts WHERE decision_id = d.id)
  LEFT JOIN comment_periods cp ON cp.decision_id = d.id
  WHERE d.id = :id FOR UPDATE OF d;
SELECT seq, hash FROM journal WHERE decision_id = :id ORDER BY seq DESC LIMIT 1;
UPDATE decisions SET state = CASE state WHEN 'deferred' THEN 'collective_decision' ELSE 'deferred' END,
       version = version + 1, updated_at = now(), decided_on = NULL, legality_submitted_on = legality_submitted_on
  WHERE id = :id;
INSERT INTO journal (decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash)
  SELECT :id, coalesce(max(seq), 0) + 1, 'transition', 'defer', 'collective_decision', 'deferred', 'head', 'head',
         now(), '{{DATA}}', repeat('0', 64), repeat('1', 64)
  FROM journal WHERE decision_id = :id;
COMMIT;

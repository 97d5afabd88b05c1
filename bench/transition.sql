-- pgbench script: exactly the SQL of one transition through the API on
-- PostgreSQL (decisionflow's storage package, statement for statement), run
-- prepared (-M prepared) as the server runs it, so that "API transitions per
-- second / pgbench transactions per second" is the share of the database's
-- own limit that the whole server reaches.
--
-- A transition whose rules need only the decision (defer and retable, as
-- the bench fires them) runs optimistically (storage/optimistic.go):
--
-- 1. read the decision with its draft, comment period and journal head,
--    no lock, no transaction                   (storage.readWithHead)
-- 2. write the new state and version, on the condition that the version is
--    still the one read, and append the journal entry: one statement that
--    commits on its own                        (storage.checkedSaveAndAppendSQL)
--
-- The bearer token is looked up at most once per 5 s per token
-- (workflow/tokencache.go), so not per transition, and is left out.
-- Each pgbench client works on its own decision, as each API client does.
-- {{BASE}} and {{DATA}} are filled in by `make bench`; the entry's seq and
-- the version come from the read in step 1 (\gset).
\set id :client_id + {{BASE}}
SELECT d.id, d.title, d.summary, d.category, d.undertaking_unit, d.state, d.version, d.policy,
       d.created_by, d.created_at, d.updated_at, d.decided_on, d.legality_submitted_on,
       d.state_entered_on, d.review_requested_by,
       d.catalog_entry_id, d.source, d.proposal, d.supersedes, d.superseded_by, d.outcome,
       d.not_disclosed, d.execution_unit, d.evaluated_from, d.evaluation_conclusion,
       dr.version AS draft_version, dr.text AS draft_text, dr.legal_bases AS draft_legal_bases,
       dr.sha256 AS draft_sha256, dr.created_by AS draft_created_by, dr.created_at AS draft_created_at,
       cp.opens_on, cp.closes_on, cp.channels, cp.shortening_reason,
       (SELECT j.seq FROM journal j WHERE j.decision_id = d.id ORDER BY j.seq DESC LIMIT 1) AS head_seq,
       (SELECT j.hash FROM journal j WHERE j.decision_id = d.id ORDER BY j.seq DESC LIMIT 1) AS head_hash,
       '' AS row_xmin, '' AS snap_xmin
  FROM decisions d
  LEFT JOIN drafts dr ON dr.decision_id = d.id AND dr.version = (SELECT max(version) FROM drafts WHERE decision_id = d.id)
  LEFT JOIN comment_periods cp ON cp.decision_id = d.id
  WHERE d.id = :id \gset
WITH u AS (
  UPDATE decisions SET state = CASE state WHEN 'deferred' THEN 'collective_decision' ELSE 'deferred' END,
         version = :version + 1, updated_at = now(), decided_on = NULL, legality_submitted_on = legality_submitted_on,
         state_entered_on = current_date, review_requested_by = review_requested_by, superseded_by = NULL,
         outcome = NULL, not_disclosed = false, execution_unit = '', evaluated_from = '', evaluation_conclusion = ''
  WHERE id = :id AND version = :version RETURNING id)
INSERT INTO journal (decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash)
  SELECT u.id, :head_seq + 1, 'transition', 'defer', 'collective_decision', 'deferred', 'head', 'head',
         now(), '{{DATA}}', :head_hash, repeat('1', 64)
  FROM u;

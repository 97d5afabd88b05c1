-- pgbench script: a minimal transition on decisionflow's schema, prepared
-- (-M prepared): the floor of what any implementation of a journalled,
-- row-locked transition costs on this PostgreSQL. BEGIN; one SELECT … FOR
-- UPDATE returning state, version and the journal head; one statement that
-- updates the decision and appends the journal entry; COMMIT. No token
-- lookup, no draft or comment period, no hash computed.
-- {{BASE}} and {{DATA}} are filled in by `make bench`.
\set id :client_id + {{BASE}}
BEGIN;
SELECT d.state, d.version, j.seq AS head_seq, j.hash AS head_hash
  FROM decisions d
  LEFT JOIN LATERAL (SELECT seq, hash FROM journal WHERE decision_id = d.id ORDER BY seq DESC LIMIT 1) j ON true
  WHERE d.id = :id FOR UPDATE OF d \gset
WITH u AS (
  UPDATE decisions SET state = CASE state WHEN 'deferred' THEN 'collective_decision' ELSE 'deferred' END,
         version = version + 1, updated_at = now()
  WHERE id = :id RETURNING id, version)
INSERT INTO journal (decision_id, seq, kind, name, from_state, to_state, actor, role, at, data, prev_hash, hash)
  SELECT u.id, :head_seq + 1, 'transition', 'defer', 'collective_decision', 'deferred', 'head', 'head',
         now(), '{{DATA}}', :head_hash, repeat('1', 64)
  FROM u;
COMMIT;

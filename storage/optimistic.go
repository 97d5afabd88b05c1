package storage

import (
	"context"
	"errors"
	"io"

	"decisionflow/workflow"

	"github.com/jmoiron/sqlx"
)

// A transition first runs optimistically. On PostgreSQL that is two round
// trips and no explicit transaction: the decision and its journal head are read
// in one statement (readWithHead, no lock), the engine runs its rules on
// them, and one statement writes the decision, on the condition that its
// version is still the one read, with the journal entry (checkedSaveAndAppendSQL).
// The statement commits on its own. On SQLite the write is a short
// IMMEDIATE transaction of the checked update and the insert, so the one
// write lock is held for them alone (writeSQLite). If the version moved, nothing was
// written and the action runs again on a fresh read; after
// optimisticAttempts such conflicts, or as soon as the action needs more
// than the decision row and one journal entry (another table read or
// written: comments, drafts, a successor…), it runs in the locking
// transaction instead (UpdateDecision's lockIn), where everything it reads
// is held until it commits. Either way one writer wins per version: the
// chain cannot fork, because the entry's seq and prev_hash come from the
// read whose version the write checks, and because every append updates
// the row (touchAndAppendSQL), a writer that locked the row meanwhile
// always leaves a new row version behind. The journal's primary key
// (decision_id, seq) refuses a fork even if that were missed.
const optimisticAttempts = 3

// errNeedsLock is returned by the optimistic transaction's methods that
// need the locking one; UpdateDecision then runs the action there. It is a
// *workflow.Error so that the engine hands it back as it is.
var errNeedsLock = &workflow.Error{Code: workflow.EINTERNAL, Message: "the action needs the decision locked"}

// errVersionMoved: the optimistic write found another version; nothing was written.
var errVersionMoved = &workflow.Error{Code: workflow.EINTERNAL, Message: "the decision changed while the action ran"}

// readWithHead reads the decision with its draft, comment period and journal
// head in one statement, with no lock.
const readWithHead = lockSQLite

// checkedSet is saveSet on the condition that the version is still the one read.
const checkedSet = saveSet + ` AND version = ?`

// checkedSaveAndAppendSQL is saveAndAppendSQL on the version read.
const checkedSaveAndAppendSQL = `
WITH u AS (
UPDATE decisions` + checkedSet + ` RETURNING id)` + journalFromU

// checkedTouchAndAppendSQL is touchAndAppendSQL on the version read.
const checkedTouchAndAppendSQL = `
WITH u AS (UPDATE decisions SET version = version WHERE id = ? AND version = ? RETURNING id)` + journalFromU

// checkedSaveSQL is saveSQL on the version read.
const checkedSaveSQL = `
UPDATE decisions` + checkedSet

// checkedTouchSQL checks the version read without changing the row (SQLite).
const checkedTouchSQL = `UPDATE decisions SET version = version WHERE id = ? AND version = ?`

// optimisticQueries are prepared with the hot path's (prepareHot), per dialect.
var optimisticQueries = map[Dialect][]string{
	Postgres: {readWithHead, checkedSaveAndAppendSQL, checkedTouchAndAppendSQL, checkedSaveSQL},
	SQLite:   {readWithHead, checkedSaveSQL, checkedTouchSQL, appendSQL},
}

// updateOptimistic runs fn once on the optimistic transaction: the read,
// fn, then the one conditional write. errVersionMoved and errNeedsLock
// mean nothing was written.
func (db *DB) updateOptimistic(ctx context.Context, id int64, fn func(workflow.DecisionTx) error) error {
	stmt, err := db.prepared(ctx, readWithHead)
	if err != nil {
		return translate(err)
	}
	var r lockedRow
	if err := stmt.GetContext(ctx, &r, id); err != nil {
		return translate(err)
	}
	t := &optimisticTx{db: db, d: r.decision(), read: r.Version}
	t.lastSeq, t.lastHash = r.head()
	if err := fn(t); err != nil {
		return err
	}
	return t.write(ctx)
}

// optimisticTx is the workflow.DecisionTx of an optimistic run: it holds
// the decision as read, and at most one SaveDecision and one journal entry,
// written by write.
type optimisticTx struct {
	db       *DB
	d        *workflow.Decision
	read     int64 // the version read
	lastSeq  int64
	lastHash string
	save     []any // SaveDecision's arguments, or nil
	entry    []any // AppendEntry's, or nil
}

// write runs the one conditional statement (PostgreSQL) or transaction (SQLite).
func (t *optimisticTx) write(ctx context.Context) error {
	if t.db.dialect == SQLite {
		return t.writeSQLite(ctx)
	}
	var (
		q    string
		args []any
	)
	switch {
	case t.entry != nil && t.save != nil:
		q, args = checkedSaveAndAppendSQL, append(append(t.save, t.read), t.entry...)
	case t.entry != nil:
		q, args = checkedTouchAndAppendSQL, append([]any{t.d.ID, t.read}, t.entry...)
	case t.save != nil:
		q, args = checkedSaveSQL, append(t.save, t.read)
	default:
		return nil
	}
	stmt, err := t.db.prepared(ctx, q)
	if err != nil {
		return translate(err)
	}
	res, err := stmt.ExecContext(ctx, args...)
	if err != nil {
		err = translate(err)
		if workflow.ErrorCode(err) == workflow.EEXISTS {
			return errVersionMoved // the seq was taken: another writer appended
		}
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate(err)
	} else if n == 0 {
		return errVersionMoved
	}
	return nil
}

// writeSQLite writes in a short IMMEDIATE transaction: the version
// checked by the update (or an unchanged one), then the entry. SQLite holds
// its one write lock only for these statements and the commit, not while
// the engine runs the rules, hashes and encodes.
func (t *optimisticTx) writeSQLite(ctx context.Context) error {
	if t.save == nil && t.entry == nil {
		return nil
	}
	return t.db.transact(ctx, func(tx *sqlx.Tx) error {
		q, args := checkedTouchSQL, []any{t.d.ID, t.read}
		if t.save != nil {
			q, args = checkedSaveSQL, append(t.save, t.read)
		}
		res, err := t.db.txExec(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errVersionMoved
		}
		if t.entry == nil {
			return nil
		}
		_, err = t.db.txExec(ctx, tx, appendSQL, append([]any{t.d.ID}, t.entry...)...)
		if workflow.ErrorCode(translate(err)) == workflow.EEXISTS {
			return errVersionMoved
		}
		return err
	})
}

func (t *optimisticTx) Decision() *workflow.Decision { return t.d }

func (t *optimisticTx) LastEntry(context.Context) (int64, string, error) {
	return t.lastSeq, t.lastHash, nil
}

func (t *optimisticTx) SaveDecision(_ context.Context, d *workflow.Decision) error {
	if t.save != nil || t.entry != nil {
		return errNeedsLock
	}
	t.save = saveArgs(d)
	return nil
}

func (t *optimisticTx) AppendEntry(_ context.Context, e *workflow.JournalEntry) error {
	if t.entry != nil || e.DecisionID != t.d.ID {
		return errNeedsLock
	}
	t.entry = entryArgs(e)
	t.lastSeq, t.lastHash = e.Seq, e.Hash
	return nil
}

// Everything else needs the locking transaction.

func (t *optimisticTx) Comments(context.Context) ([]workflow.Comment, error) {
	return nil, errNeedsLock
}

func (t *optimisticTx) Comment(context.Context, int64) (*workflow.Comment, error) {
	return nil, errNeedsLock
}

func (t *optimisticTx) CountExpertOpinions(context.Context) (int, error) { return 0, errNeedsLock }

func (t *optimisticTx) InsertDraft(context.Context, *workflow.Draft) error { return errNeedsLock }

func (t *optimisticTx) InsertCommentPeriod(context.Context, *workflow.CommentPeriod) error {
	return errNeedsLock
}

func (t *optimisticTx) InsertComment(context.Context, *workflow.Comment) error { return errNeedsLock }

func (t *optimisticTx) UpdateCommentDisposition(context.Context, *workflow.Comment) error {
	return errNeedsLock
}

func (t *optimisticTx) InsertExpertOpinion(context.Context, *workflow.ExpertOpinion) error {
	return errNeedsLock
}

func (t *optimisticTx) ClaimCatalogEntry(context.Context, int64) (*workflow.CatalogEntry, workflow.CatalogState, error) {
	return nil, "", errNeedsLock
}

func (t *optimisticTx) SetUndertakingUnit(context.Context, string) error { return errNeedsLock }

func (t *optimisticTx) InsertHearing(context.Context, *workflow.Hearing) error { return errNeedsLock }

func (t *optimisticTx) InsertAttachment(context.Context, *workflow.Attachment, io.Reader) error {
	return errNeedsLock
}

func (t *optimisticTx) ExpertOpinions(context.Context) ([]workflow.ExpertOpinion, error) {
	return nil, errNeedsLock
}

func (t *optimisticTx) Create(context.Context, *workflow.Decision) (workflow.DecisionTx, error) {
	return nil, errNeedsLock
}

func (t *optimisticTx) Other(context.Context, int64) (workflow.DecisionTx, error) {
	return nil, errNeedsLock
}

func (t *optimisticTx) InsertExecutionReport(context.Context, *workflow.ExecutionReport) error {
	return errNeedsLock
}

func (t *optimisticTx) InsertPublicOpinion(context.Context, *workflow.PublicOpinion) error {
	return errNeedsLock
}

func (t *optimisticTx) PublicOpinion(context.Context, int64) (*workflow.PublicOpinion, error) {
	return nil, errNeedsLock
}

func (t *optimisticTx) UpdatePublicOpinionDisposition(context.Context, *workflow.PublicOpinion) error {
	return errNeedsLock
}

// isRetry reports whether an optimistic run wrote nothing and the action
// should run again (errVersionMoved) or in the locking transaction (errNeedsLock).
func isRetry(err error) (again, lock bool) {
	return errors.Is(err, errVersionMoved), errors.Is(err, errNeedsLock)
}

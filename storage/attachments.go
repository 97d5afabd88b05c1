package storage

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"time"

	"decisionflow/workflow"
)

// Attachments: a row per file in attachments, its content in
// attachment_chunks, ChunkSize bytes a row, so that storing or reading a file
// holds one piece of it at a time whatever its size.

// ChunkSize is the size of one stored piece of an attachment.
const ChunkSize = 512 << 10

type attachmentRow struct {
	ID           int64     `db:"id"`
	DecisionID   int64     `db:"decision_id"`
	Kind         string    `db:"kind"`
	Filename     string    `db:"filename"`
	Size         int64     `db:"size"`
	SHA256       string    `db:"sha256"`
	ContentType  string    `db:"content_type"`
	Public       bool      `db:"public"`
	UploadedBy   string    `db:"uploaded_by"`
	UploaderRole string    `db:"uploader_role"`
	CreatedAt    time.Time `db:"created_at"`
}

func (r attachmentRow) attachment() workflow.Attachment {
	return workflow.Attachment{ID: r.ID, DecisionID: r.DecisionID, Kind: r.Kind, Filename: r.Filename, Size: r.Size,
		SHA256: r.SHA256, ContentType: r.ContentType, Public: r.Public, UploadedBy: r.UploadedBy,
		UploaderRole: workflow.Role(r.UploaderRole), CreatedAt: r.CreatedAt.UTC()}
}

const attachmentSelect = `
SELECT id, decision_id, kind, filename, size, sha256, content_type, public, uploaded_by, uploader_role, created_at
FROM attachments`

// Attachments returns a decision's attachments, oldest first.
func (db *DB) Attachments(ctx context.Context, id int64) ([]workflow.Attachment, error) {
	var rows []attachmentRow
	if err := db.db.SelectContext(ctx, &rows, db.db.Rebind(attachmentSelect+` WHERE decision_id = ? ORDER BY id`), id); err != nil {
		return nil, translate(err)
	}
	out := make([]workflow.Attachment, len(rows))
	for i, r := range rows {
		out[i] = r.attachment()
	}
	return out, nil
}

// Attachment returns one attachment of a decision (ENOTFOUND).
func (db *DB) Attachment(ctx context.Context, id, attachmentID int64) (*workflow.Attachment, error) {
	var r attachmentRow
	if err := db.db.GetContext(ctx, &r, db.db.Rebind(attachmentSelect+` WHERE decision_id = ? AND id = ?`), id, attachmentID); err != nil {
		return nil, translate(err)
	}
	a := r.attachment()
	return &a, nil
}

// CopyAttachment writes an attachment's content to w, one stored piece per
// query, so that only one piece is in memory at a time.
func (db *DB) CopyAttachment(ctx context.Context, attachmentID int64, w io.Writer) error {
	q := db.db.Rebind(`SELECT data FROM attachment_chunks WHERE attachment_id = ? AND seq = ?`)
	for seq := 0; ; seq++ {
		done, err := db.copyChunk(ctx, q, attachmentID, seq, w)
		if err != nil {
			return err
		}
		if done {
			if seq == 0 {
				return workflow.Errorf(workflow.ENOTFOUND, "no such attachment")
			}
			return nil
		}
	}
}

// copyChunk writes piece seq to w; done when there is none.
func (db *DB) copyChunk(ctx context.Context, q string, attachmentID int64, seq int, w io.Writer) (done bool, err error) {
	rows, err := db.db.QueryContext(ctx, q, attachmentID, seq)
	if err != nil {
		return false, translate(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return true, translate(rows.Err())
	}
	var data sql.RawBytes
	if err := rows.Scan(&data); err != nil {
		return false, translate(err)
	}
	if _, err := w.Write(data); err != nil {
		return false, workflow.Internal(err)
	}
	return false, translate(rows.Close())
}

// InsertAttachment stores a's row and its content, ChunkSize bytes a row,
// in the action's transaction.
func (t *decisionTx) InsertAttachment(ctx context.Context, a *workflow.Attachment, content io.Reader) error {
	const q = `
INSERT INTO attachments (decision_id, kind, filename, size, sha256, content_type, public, uploaded_by, uploader_role, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id`
	err := t.tx.QueryRowxContext(ctx, t.tx.Rebind(q), t.d.ID, a.Kind, a.Filename, a.Size, a.SHA256, a.ContentType, a.Public,
		a.UploadedBy, string(a.UploaderRole), a.CreatedAt).Scan(&a.ID)
	if err != nil {
		return translate(err)
	}
	ins := t.tx.Rebind(`INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)`)
	buf := make([]byte, ChunkSize)
	var total int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(content, buf)
		if n > 0 {
			if _, err := t.tx.ExecContext(ctx, ins, a.ID, seq, buf[:n]); err != nil {
				return translate(err)
			}
			total += int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return workflow.Internal(err)
		}
	}
	if total != a.Size {
		return workflow.Internal(errors.New("attachment: the content is not the size declared"))
	}
	return nil
}

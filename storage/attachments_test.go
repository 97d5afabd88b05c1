package storage_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"

	"decisionflow/workflow"
)

func init() {
	// attachment-type-not-allowed is checked with the other rules (TestRules).
	ruleCases = append(ruleCases, ruleCase{"an executable named .pdf", workflow.RuleAttachmentTypeNotAllowed,
		func(t *testing.T, h *harness) (int64, error) {
			d := h.create(t)
			exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00"), bytes.Repeat([]byte{0xcc}, 4096)...)
			_, err := h.attach(d.ID, staff, workflow.AttachmentInput{Kind: "other", Filename: "报告.pdf"}, exe)
			return d.ID, err
		}})
}

func (h *harness) attach(id int64, who *workflow.User, in workflow.AttachmentInput, content []byte) (*workflow.Attachment, error) {
	return h.eng.AddAttachment(h.ctx, who, id, in, bytes.NewReader(content), int64(len(content)))
}

// bigPDF is n bytes starting as a PDF, the rest not repeating.
func bigPDF(n int) []byte {
	b := make([]byte, n)
	copy(b, "%PDF-1.7\n")
	x := uint32(2463534242)
	for i := 9; i < n; i++ {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// TestAttachments: an upload is stored whole (several pieces), listed,
// downloaded byte for byte with the same SHA-256, journaled once, and in
// the dossier; the public path sees only a public draft explanation.
func TestAttachments(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.create(t)
		content := bigPDF(3<<20 + 12345)
		sum := sha256.Sum256(content)
		before := len(h.history(t, d.ID))
		a, err := h.attach(d.ID, staff, workflow.AttachmentInput{Kind: workflow.AttachDraftExplanation, Filename: "../起草说明.pdf", Public: true}, content)
		if err != nil {
			t.Fatal(err)
		}
		if a.SHA256 != hex.EncodeToString(sum[:]) || a.Size != int64(len(content)) || a.ContentType != workflow.TypePDF || a.Filename != "../起草说明.pdf" {
			t.Fatalf("stored %+v", a)
		}
		list, err := h.eng.Attachments(h.ctx, legal, d.ID)
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("list = %v, %v", list, err)
		}
		var got bytes.Buffer
		if err := h.eng.WriteAttachment(h.ctx, a, &got); err != nil {
			t.Fatal(err)
		}
		if gs := sha256.Sum256(got.Bytes()); !bytes.Equal(got.Bytes(), content) || gs != sum {
			t.Fatalf("downloaded %d bytes, sha %x; want %d, %x", got.Len(), gs, len(content), sum)
		}
		j := h.history(t, d.ID)
		if len(j) != before+1 || j[len(j)-1].Name != workflow.RecordAddAttachment || j[len(j)-1].Kind != workflow.KindRecord {
			t.Fatalf("journal: %d entries after %d, last %+v", len(j), before, j[len(j)-1])
		}
		var data map[string]any
		_ = json.Unmarshal(j[len(j)-1].Data, &data)
		if data["sha256"] != a.SHA256 || data["filename"] != a.Filename || data["kind"] != a.Kind || data["size"] != float64(a.Size) {
			t.Fatalf("journal data %v", data)
		}
		if v := h.verify(t, d.ID); !v.OK {
			t.Fatalf("chain broken: %+v", v)
		}
		x, err := h.eng.Dossier(h.ctx, head, d.ID)
		if err != nil || len(x.Attachments) != 1 {
			t.Fatalf("dossier attachments %v, %v", x, err)
		}
		// Drafting is no open consultation: even a public file is 404 there.
		if _, err := h.eng.PublicAttachment(h.ctx, d.ID, a.ID); workflow.ErrorCode(err) != workflow.ENOTFOUND {
			t.Fatalf("public path in drafting: %v", err)
		}
	})
}

// TestAttachmentKindsAndTypes: who may add what, which contents are taken.
func TestAttachmentKindsAndTypes(t *testing.T) {
	forEachStore(t, func(t *testing.T, h *harness) {
		d := h.create(t)
		pdf := bigPDF(100)
		for _, c := range []struct {
			who  *workflow.User
			kind string
			code string
		}{
			{legal, workflow.AttachLegalityOpinion, ""},
			{legal, workflow.AttachMeetingMinutes, workflow.EFORBIDDEN},
			{head, workflow.AttachMeetingMinutes, ""},
			{head, workflow.AttachOther, workflow.EFORBIDDEN},
			{staff, workflow.AttachRiskReport, ""},
			{staff, "scan", workflow.EINVALID},
		} {
			_, err := h.attach(d.ID, c.who, workflow.AttachmentInput{Kind: c.kind, Filename: "a.pdf"}, pdf)
			if got := workflow.ErrorCode(err); err != nil && got != c.code || err == nil && c.code != "" {
				t.Errorf("%s adds %s: %v, want %q", c.who.Role, c.kind, err, c.code)
			}
		}
		if _, err := h.attach(d.ID, staff, workflow.AttachmentInput{Kind: "other", Filename: "a.pdf", Public: true}, pdf); workflow.ErrorCode(err) != workflow.EINVALID {
			t.Errorf("public other: %v", err)
		}
		for name, content := range map[string][]byte{
			workflow.TypeDOCX: zipOf(t, "[Content_Types].xml", "word/document.xml"),
			workflow.TypeXLSX: zipOf(t, "[Content_Types].xml", "xl/workbook.xml"),
			workflow.TypeOFD:  zipOf(t, "OFD.xml", "Doc_0/Document.xml"),
			workflow.TypePNG:  []byte("\x89PNG\r\n\x1a\n0000"),
			"":                zipOf(t, "a.txt"),
		} {
			got, ok := workflow.DetectAttachmentType(bytes.NewReader(content), int64(len(content)))
			if got != name || ok != (name != "") {
				t.Errorf("detected %q %v, want %q", got, ok, name)
			}
		}
	})
}

func zipOf(t *testing.T, names ...string) []byte {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, n := range names {
		w, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("<x/>"))
	}
	z.Close()
	return b.Bytes()
}

package workflow

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Attachments are the papers of a decision (the 起草说明 published with the
// draft, signed expert opinions, the risk report, the minutes, …): files kept
// in the database with their SHA-256, journaled when added, never changed or
// deleted.

// RecordAddAttachment is the record action and its journal name.
const RecordAddAttachment = "add_attachment"

// The kinds of attachment.
const (
	AttachDraftExplanation = "draft_explanation"
	AttachLegalBasis       = "legal_basis"
	AttachExpertOpinion    = "expert_opinion"
	AttachRiskReport       = "risk_report"
	AttachHearingRecord    = "hearing_record"
	AttachMeetingMinutes   = "meeting_minutes"
	AttachLegalityOpinion  = "legality_opinion"
	AttachPublication      = "publication"
	AttachEvaluationReport = "evaluation_report"
	AttachOther            = "other"
)

// AttachmentKinds lists every kind, in the order of a decision's life.
var AttachmentKinds = []string{AttachDraftExplanation, AttachLegalBasis, AttachExpertOpinion, AttachRiskReport,
	AttachHearingRecord, AttachMeetingMinutes, AttachLegalityOpinion, AttachPublication, AttachEvaluationReport, AttachOther}

// attachmentKindsByStep are the kinds a step's upload form offers staff.
var attachmentKindsByStep = map[string][]string{
	StepBefore:              {AttachDraftExplanation, AttachLegalBasis, AttachOther},
	StepPublicParticipation: {AttachDraftExplanation, AttachLegalBasis, AttachHearingRecord, AttachOther},
	StepExpertReview:        {AttachExpertOpinion, AttachDraftExplanation, AttachLegalBasis, AttachOther},
	StepRiskAssessment:      {AttachRiskReport, AttachDraftExplanation, AttachLegalBasis, AttachOther},
	StepLegalityReview:      {AttachDraftExplanation, AttachLegalBasis, AttachLegalityOpinion, AttachOther},
	StepCollectiveDecision:  {AttachMeetingMinutes, AttachOther},
	StepAfter:               {AttachPublication, AttachMeetingMinutes, AttachEvaluationReport, AttachOther},
}

// attachmentRoles are the kinds each role other than staff may add (staff
// add any kind): the legal advisor the legality opinion, the head the minutes.
var attachmentRoles = map[Role][]string{
	RoleLegalAdvisor: {AttachLegalityOpinion},
	RoleHead:         {AttachMeetingMinutes},
}

// MayAttach reports whether role may add an attachment of kind.
func MayAttach(role Role, kind string) bool {
	if role == RoleStaff {
		return slices.Contains(AttachmentKinds, kind)
	}
	return slices.Contains(attachmentRoles[role], kind)
}

// AttachmentKindsFor are the kinds role's upload form offers in state s (nil:
// no form).
func AttachmentKindsFor(role Role, s State) []string {
	def, ok := LookupState(s)
	if !ok {
		return nil
	}
	var out []string
	for _, k := range attachmentKindsByStep[def.Step] {
		if MayAttach(role, k) {
			out = append(out, k)
		}
	}
	return out
}

// attachmentStates are the states an attachment may be added in: every
// state but archived (the file is closed then).
func attachmentStates() []State {
	return statesWhere(func(s StateDef) bool { return s.Name != StateArchived })
}

// attachmentFields are the upload form's fields, the kinds narrowed to
// those role may add in s.
func attachmentFields(role Role, s State) []Field {
	if len(AttachmentKindsFor(role, s)) == 0 {
		return nil
	}
	return []Field{{Name: "file", Kind: FieldFile}, enum("kind", AttachmentKindsFor(role, s)), optional(check("public"))}
}

// Attachment is one file of a decision, as stored (its content aside).
type Attachment struct {
	ID          int64  `json:"id"`
	DecisionID  int64  `json:"decision_id"`
	Kind        string `json:"kind"`
	Filename    string `json:"filename"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	// Public marks a draft explanation published with the draft (Art 15):
	// anyone may download it while the consultation is open.
	Public       bool      `json:"public"`
	UploadedBy   string    `json:"uploaded_by"`
	UploaderRole Role      `json:"uploader_role"`
	CreatedAt    time.Time `json:"created_at"`
}

// AttachmentInput describes a file being added; the content comes apart.
type AttachmentInput struct {
	Kind     string `json:"kind"`
	Filename string `json:"filename"`
	Public   bool   `json:"public,omitempty"`
}

// MaxFilenameLength bounds an attachment's file name, in characters.
const MaxFilenameLength = 255

// Validate checks the form of the input (EINVALID).
func (in AttachmentInput) Validate() error {
	var fields []FieldError
	if !slices.Contains(AttachmentKinds, in.Kind) {
		fields = append(fields, FieldError{"kind", "must be one of " + strings.Join(AttachmentKinds, ", ")})
	}
	name := in.Filename
	switch {
	case strings.TrimSpace(name) == "":
		fields = append(fields, FieldError{"file", "a file with a name is required"})
	case !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxFilenameLength:
		fields = append(fields, FieldError{"file", "the file name must be UTF-8 of at most 255 characters"})
	case strings.ContainsFunc(name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }):
		fields = append(fields, FieldError{"file", "the file name may not hold control characters"})
	}
	if in.Public && in.Kind != AttachDraftExplanation {
		fields = append(fields, FieldError{"public", "only a draft explanation is published with the draft"})
	}
	if len(fields) > 0 {
		return Invalid(fields...)
	}
	return nil
}

// The content types accepted, detected from the content.
const (
	TypePDF  = "application/pdf"
	TypeOFD  = "application/ofd"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeDOC  = "application/msword"
	TypeXLS  = "application/vnd.ms-excel"
)

// DetectAttachmentType names the type of content by what it holds, never by
// its name: PDF, OFD, PNG, JPEG, DOCX, XLSX, DOC or XLS; ok is false for
// anything else.
func DetectAttachmentType(content io.ReaderAt, size int64) (string, bool) {
	head := make([]byte, 8)
	n, _ := content.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return TypePDF, true
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, true
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}):
		return TypeJPEG, true
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return zipType(content, size)
	case bytes.HasPrefix(head, []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}):
		return compoundType(content, size)
	}
	return "", false
}

// zipType tells an OFD (OFD.xml at the root), a DOCX (word/) and an XLSX
// (xl/) apart; other zips are refused.
func zipType(content io.ReaderAt, size int64) (string, bool) {
	z, err := zip.NewReader(content, size)
	if err != nil {
		return "", false
	}
	word, xl, types := false, false, false
	for _, f := range z.File {
		switch {
		case f.Name == "OFD.xml":
			return TypeOFD, true
		case f.Name == "[Content_Types].xml":
			types = true
		case strings.HasPrefix(f.Name, "word/"):
			word = true
		case strings.HasPrefix(f.Name, "xl/"):
			xl = true
		}
	}
	switch {
	case types && word && !xl:
		return TypeDOCX, true
	case types && xl && !word:
		return TypeXLSX, true
	}
	return "", false
}

// compoundType tells a Word (stream WordDocument) and an Excel (Workbook or
// Book) compound file apart by the names in its directory, stored UTF-16LE.
func compoundType(content io.ReaderAt, size int64) (string, bool) {
	utf16 := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), 0)
		}
		return append(b, 0, 0) // the name's terminator
	}
	word, workbook, book := utf16("WordDocument"), utf16("Workbook"), utf16("Book")
	const chunk = 64 << 10
	buf := make([]byte, chunk+64)
	for off := int64(0); off < size; off += chunk {
		n, _ := content.ReadAt(buf, off)
		b := buf[:n]
		switch {
		case bytes.Contains(b, word):
			return TypeDOC, true
		case bytes.Contains(b, workbook), bytes.Contains(b, book):
			return TypeXLS, true
		}
	}
	return "", false
}

// AddAttachment adds a file to a decision: the caller's role may add the
// kind (EFORBIDDEN), the state allows it (ECONFLICT), the content is of an
// accepted type (ERULE attachment-type-not-allowed). content is read twice
// (hashed, then stored), never held whole in memory.
func (e *Engine) AddAttachment(ctx context.Context, actor *User, id int64, in AttachmentInput, content io.ReaderAt, size int64) (*Attachment, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if !MayAttach(actor.Role, in.Kind) {
		return nil, &Error{Code: EFORBIDDEN, Message: "the role " + string(actor.Role) + " may not add an attachment of kind " + in.Kind}
	}
	if size <= 0 {
		return nil, Invalid(FieldError{"file", "the file is empty"})
	}
	ct, ok := DetectAttachmentType(content, size)
	if !ok {
		return nil, RuleError(RuleAttachmentTypeNotAllowed, "the file is not a PDF, OFD, PNG, JPEG, DOCX, XLSX, DOC or XLS document")
	}
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(content, 0, size)); err != nil {
		return nil, Internal(err)
	}
	a := &Attachment{DecisionID: id, Kind: in.Kind, Filename: in.Filename, Size: size, SHA256: hex.EncodeToString(h.Sum(nil)),
		ContentType: ct, Public: in.Public, UploadedBy: actor.Username, UploaderRole: actor.Role}
	_, err := e.mutate(ctx, actor, id, 0, KindRecord, RecordAddAttachment, func(g *guardEnv) (State, any, error) {
		if err := actionState(g, actor.Role, RecordAddAttachment); err != nil {
			return "", nil, err
		}
		a.CreatedAt = g.now
		if err := g.tx.InsertAttachment(ctx, a, io.NewSectionReader(content, 0, size)); err != nil {
			return "", nil, err
		}
		return g.d.State, attachmentEntry{AttachmentID: a.ID, Kind: a.Kind, Filename: a.Filename, Size: a.Size,
			SHA256: a.SHA256, ContentType: a.ContentType, Public: a.Public}, nil
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// attachmentEntry is what the journal keeps of an added file.
type attachmentEntry struct {
	AttachmentID int64  `json:"attachment_id"`
	Kind         string `json:"kind"`
	Filename     string `json:"filename"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
	ContentType  string `json:"content_type"`
	Public       bool   `json:"public"`
}

// Attachments returns the attachments of a decision, oldest first.
func (e *Engine) Attachments(ctx context.Context, actor *User, id int64) ([]Attachment, error) {
	return readAfter(actor, func() ([]Attachment, error) { return e.store.Attachments(ctx, id) }, e.exists(ctx, id))
}

// Attachment returns one attachment of a decision, for a signed-in actor.
func (e *Engine) Attachment(ctx context.Context, actor *User, id, attachmentID int64) (*Attachment, error) {
	if err := requireSignedIn(actor); err != nil {
		return nil, err
	}
	return e.store.Attachment(ctx, id, attachmentID)
}

// PublicAttachment returns a draft explanation published with a draft open
// for comment today; anything else is ENOTFOUND.
func (e *Engine) PublicAttachment(ctx context.Context, id, attachmentID int64) (*Attachment, error) {
	a, err := e.store.Attachment(ctx, id, attachmentID)
	if err != nil {
		return nil, err
	}
	if !a.Public || a.Kind != AttachDraftExplanation {
		return nil, Errorf(ENOTFOUND, "no such public attachment")
	}
	d, err := e.store.Decision(ctx, id)
	if err != nil {
		return nil, err
	}
	today := e.Today()
	if d.State != StatePublicParticipation || d.CommentPeriod == nil || today.Before(d.CommentPeriod.OpensOn) || d.CommentPeriod.ClosesOn.Before(today) {
		return nil, Errorf(ENOTFOUND, "no such public attachment")
	}
	return a, nil
}

// PublicAttachments returns the public attachments of an open consultation.
func (e *Engine) PublicAttachments(ctx context.Context, id int64) ([]Attachment, error) {
	all, err := e.store.Attachments(ctx, id)
	if err != nil {
		return nil, err
	}
	out := []Attachment{}
	for _, a := range all {
		if a.Public && a.Kind == AttachDraftExplanation {
			out = append(out, a)
		}
	}
	return out, nil
}

// WriteAttachment copies the content of a (as returned by Attachment or
// PublicAttachment) to w, a piece at a time.
func (e *Engine) WriteAttachment(ctx context.Context, a *Attachment, w io.Writer) error {
	return e.store.CopyAttachment(ctx, a.ID, w)
}

// attachmentsOf returns a decision's attachments for its dossier (never nil).
func (e *Engine) attachmentsOf(ctx context.Context, id int64) ([]Attachment, error) {
	out, err := e.store.Attachments(ctx, id)
	if out == nil && err == nil {
		out = []Attachment{}
	}
	return out, err
}

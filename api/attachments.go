package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// Attachments are uploaded as multipart/form-data, streamed to a temporary
// file (never held in memory), then handed to the engine, which hashes,
// checks and stores them in pieces.

// DefaultMaxUpload is the largest attachment accepted unless configured.
const DefaultMaxUpload = 20 << 20

// uploadOverhead is what a multipart body may carry besides its file: the
// boundaries, the part headers and the small fields.
const uploadOverhead = 64 << 10

// isUpload reports whether r posts an attachment (API or page), which gets
// the upload limit rather than the JSON body's.
func isUpload(r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/attachments") {
		return false
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "multipart/form-data"
}

// Upload is a file received from a multipart form, kept in a temporary file
// until Close.
type Upload struct {
	File     *os.File
	Size     int64
	Filename string
	// Fields are the form's other (small) fields.
	Fields map[string]string
}

// Close removes the temporary file.
func (u *Upload) Close() {
	if u != nil && u.File != nil {
		u.File.Close()
		os.Remove(u.File.Name())
	}
}

// ReceiveUpload reads a multipart form with one part "file" of at most max
// bytes (413 otherwise) into a temporary file. beforeFile, when not nil, is
// called with the fields sent before the file part and may refuse the
// request before the file is read (the pages' CSRF check).
func ReceiveUpload(r *http.Request, max int64, beforeFile func(fields map[string]string) error) (*Upload, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, workflow.Invalid(workflow.FieldError{Field: "body", Message: "must be multipart/form-data"})
	}
	u := &Upload{Fields: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			u.Close()
			return nil, readError(err, max)
		}
		if err := u.take(part, max, beforeFile); err != nil {
			u.Close()
			return nil, err
		}
	}
	if u.File == nil {
		return nil, workflow.Invalid(workflow.FieldError{Field: "file", Message: "a file is required"})
	}
	return u, nil
}

// take reads one part: the file to a temporary file, a field to Fields.
func (u *Upload) take(part *multipart.Part, max int64, beforeFile func(map[string]string) error) error {
	defer part.Close()
	name := part.FormName()
	if name != "file" {
		b, err := io.ReadAll(io.LimitReader(part, 4<<10))
		if err != nil {
			return readError(err, max)
		}
		u.Fields[name] = string(b)
		return nil
	}
	if u.File != nil {
		return workflow.Invalid(workflow.FieldError{Field: "file", Message: "send one file"})
	}
	if beforeFile != nil {
		if err := beforeFile(u.Fields); err != nil {
			return err
		}
	}
	f, err := os.CreateTemp("", "decisionflow-upload-*")
	if err != nil {
		return workflow.Internal(err)
	}
	u.File, u.Filename = f, part.FileName()
	n, err := io.Copy(f, io.LimitReader(part, max+1))
	if err != nil {
		return readError(err, max)
	}
	if n > max {
		return tooLarge(max)
	}
	u.Size = n
	return nil
}

func tooLarge(max int64) error {
	return workflow.Errorf(eTooLarge, "the file is over the upload limit of %d MiB", max>>20)
}

// readError names a body cut by the limit 413, anything else 400.
func readError(err error, max int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge(max)
	}
	return workflow.Invalid(workflow.FieldError{Field: "body", Message: "the multipart body could not be read"})
}

// AddUpload hands a received upload to the engine.
func AddUpload(c *gin.Context, eng *workflow.Engine, id int64, u *Upload) (*workflow.Attachment, error) {
	public := u.Fields["public"]
	in := workflow.AttachmentInput{Kind: u.Fields["kind"], Filename: u.Filename, Public: public == "true" || public == "1" || public == "on"}
	return eng.AddAttachment(c.Request.Context(), CurrentUser(c), id, in, u.File, u.Size)
}

func (s *Server) uploadAttachment(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	u, err := ReceiveUpload(c.Request, s.opts.MaxUpload, nil)
	if err != nil {
		s.writeError(c, err)
		return
	}
	defer u.Close()
	a, err := AddUpload(c, s.engine, id, u)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/decisions/%d/attachments/%d", id, a.ID))
	c.JSON(http.StatusCreated, a)
}

func (s *Server) listAttachments(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	as, err := s.engine.Attachments(c.Request.Context(), CurrentUser(c), id)
	s.respond(c, http.StatusOK, gin.H{"attachments": as}, err)
}

func (s *Server) downloadAttachment(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	aid, ok := s.pathID(c, "attachment_id")
	if !ok {
		return
	}
	a, err := s.engine.Attachment(c.Request.Context(), CurrentUser(c), id, aid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.sendAttachment(c, a)
}

func (s *Server) publicAttachment(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	aid, ok := s.pathID(c, "attachment_id")
	if !ok {
		return
	}
	a, err := s.engine.PublicAttachment(c.Request.Context(), id, aid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.sendAttachment(c, a)
}

func (s *Server) sendAttachment(c *gin.Context, a *workflow.Attachment) {
	if err := SendAttachment(c, s.engine, a); err != nil {
		s.log.ErrorContext(c.Request.Context(), "attachment download cut", "request_id", RequestID(c), "error", err.Error())
	}
}

// SendAttachment writes a's content as a download: its detected type,
// Content-Disposition: attachment with an RFC 5987 name, nosniff.
func SendAttachment(c *gin.Context, eng *workflow.Engine, a *workflow.Attachment) error {
	h := c.Writer.Header()
	h.Set("Content-Type", a.ContentType)
	h.Set("Content-Length", strconv.FormatInt(a.Size, 10))
	h.Set("Content-Disposition", ContentDisposition(a.Filename))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	c.Status(http.StatusOK)
	return eng.WriteAttachment(c.Request.Context(), a, c.Writer)
}

// ContentDisposition is `attachment` with the name as an ASCII fallback
// (RFC 6266) and in full as filename* (RFC 5987).
func ContentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' || r == ';' {
			return '_'
		}
		return r
	}, name)
	var b strings.Builder
	for _, c := range []byte(name) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + b.String()
}

// MaxUpload is the largest attachment the server accepts, in bytes.
func (s *Server) MaxUpload() int64 { return s.opts.MaxUpload }

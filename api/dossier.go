package api

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

func (s *Server) dossier(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	d, err := s.engine.Dossier(c.Request.Context(), CurrentUser(c), id)
	s.respond(c, http.StatusOK, d, err)
}

// manifest lists the files of the dossier archive with their SHA-256, and
// the journal's head hash as verify reported it when the archive was made.
type manifest struct {
	DecisionID      int64          `json:"decision_id"`
	GeneratedAt     time.Time      `json:"generated_at"`
	Files           []manifestFile `json:"files"`
	JournalEntries  int            `json:"journal_entries"`
	JournalHeadHash string         `json:"journal_head_hash"`
	JournalIntact   bool           `json:"journal_intact"`
}

type manifestFile struct {
	Name   string `json:"name"`
	Bytes  int    `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// dossierZip serves the archive to API clients, its dossier.html in
// Chinese, the language of the town's archive, or in English with ?lang=en.
func (s *Server) dossierZip(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	if err := s.SendDossierZip(c, CurrentUser(c), id, c.Query("lang")); err != nil {
		s.writeError(c, err)
	}
}

// SendDossierZip streams a decision's dossier archive as a download; an
// error is returned (for the caller to answer) only before anything is sent.
func (s *Server) SendDossierZip(c *gin.Context, actor *workflow.User, id int64, lang string) error {
	z, err := s.planZip(c.Request.Context(), actor, id, lang)
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", `attachment; filename="decision-`+strconv.FormatInt(id, 10)+`-dossier.zip"`)
	c.Header("Content-Type", "application/zip")
	c.Status(http.StatusOK)
	if err := z.write(c.Request.Context(), s.engine, c.Writer); err != nil {
		s.log.ErrorContext(c.Request.Context(), "dossier zip cut", "request_id", RequestID(c), "error", err.Error())
	}
	return nil
}

// zipPlan is an archive ready to be written: its small files made, its
// attachments to be copied from the store as they are written.
type zipPlan struct {
	d           *workflow.Dossier
	files       []zipFile
	attachments []zipAttachment
}

type zipFile struct {
	name string
	data []byte
}

type zipAttachment struct {
	name string
	a    workflow.Attachment
}

// AttachmentPath is where an attachment lies in the archive: its id, then
// its name with nothing that could make it a path.
func AttachmentPath(a workflow.Attachment) string {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == '/' || r == '\\' || r == 0x7f {
			return '_'
		}
		return r
	}, a.Filename)
	return fmt.Sprintf("attachments/%d-%s", a.ID, strings.TrimLeft(name, "."))
}

func (s *Server) planZip(ctx context.Context, actor *workflow.User, id int64, lang string) (*zipPlan, error) {
	d, err := s.engine.Dossier(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, workflow.Internal(err)
	}
	z := &zipPlan{d: d, files: []zipFile{{"dossier.json", js}}}
	if s.pages != nil {
		var html bytes.Buffer
		if err := s.pages.PrintDossier(&html, lang, d); err != nil {
			return nil, workflow.Internal(err)
		}
		z.files = append(z.files, zipFile{"dossier.html", html.Bytes()})
	}
	m := manifest{DecisionID: id, GeneratedAt: d.GeneratedAt, JournalEntries: d.Verification.Entries,
		JournalHeadHash: d.Verification.HeadHash, JournalIntact: d.Verification.OK}
	var sums bytes.Buffer
	for _, f := range z.files {
		sum := sha256.Sum256(f.data)
		m.Files = append(m.Files, manifestFile{f.name, len(f.data), hex.EncodeToString(sum[:])})
		fmt.Fprintf(&sums, "%x  %s\n", sum, f.name)
	}
	for _, a := range d.Attachments {
		name := AttachmentPath(a)
		z.attachments = append(z.attachments, zipAttachment{name, a})
		m.Files = append(m.Files, manifestFile{name, int(a.Size), a.SHA256})
		fmt.Fprintf(&sums, "%s  %s\n", a.SHA256, name)
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, workflow.Internal(err)
	}
	z.files = append(z.files, zipFile{"manifest.json", mj}, zipFile{"SHA256SUMS", sums.Bytes()})
	return z, nil
}

// write writes the archive to w, each attachment copied from the store a
// piece at a time (stored, not deflated: the files are mostly compressed).
func (z *zipPlan) write(ctx context.Context, eng *workflow.Engine, w io.Writer) error {
	zw := zip.NewWriter(w)
	for _, f := range z.files[:len(z.files)-2] {
		if err := zipAdd(zw, f.name, zip.Deflate, z.d.GeneratedAt, bytes.NewReader(f.data)); err != nil {
			return err
		}
	}
	for _, at := range z.attachments {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: at.name, Method: zip.Store, Modified: z.d.GeneratedAt})
		if err != nil {
			return workflow.Internal(err)
		}
		if err := eng.WriteAttachment(ctx, &at.a, fw); err != nil {
			return err
		}
	}
	for _, f := range z.files[len(z.files)-2:] {
		if err := zipAdd(zw, f.name, zip.Deflate, z.d.GeneratedAt, bytes.NewReader(f.data)); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return workflow.Internal(err)
	}
	return nil
}

func zipAdd(zw *zip.Writer, name string, method uint16, at time.Time, r io.Reader) error {
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: at})
	if err == nil {
		_, err = io.Copy(fw, r)
	}
	if err != nil {
		return workflow.Internal(err)
	}
	return nil
}

func (s *Server) stats(c *gin.Context) {
	st, err := s.engine.Stats(c.Request.Context(), CurrentUser(c))
	s.respond(c, http.StatusOK, st, err)
}

func (s *Server) calendarDays(c *gin.Context) {
	days, err := s.engine.CalendarDays(c.Request.Context(), CurrentUser(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	if y := c.Query("year"); y != "" {
		year, _ := strconv.Atoi(y)
		days = DaysInYear(days, year)
	}
	c.JSON(http.StatusOK, gin.H{"days": days})
}

// DaysInYear keeps the calendar days of one year (the year filter of the
// API's ?year= and of the calendar page).
func DaysInYear(days []workflow.CalendarDay, year int) []workflow.CalendarDay {
	out := []workflow.CalendarDay{}
	for _, d := range days {
		if d.Day.Year == year {
			out = append(out, d)
		}
	}
	return out
}

func (s *Server) pathDate(c *gin.Context) (workflow.Date, bool) {
	d, err := workflow.ParseDate(c.Param("day"))
	if err != nil {
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "day", Message: "must be a date YYYY-MM-DD"}))
		return workflow.Date{}, false
	}
	return d, true
}

func (s *Server) setCalendarDay(c *gin.Context) {
	day, ok := s.pathDate(c)
	if !ok {
		return
	}
	var in workflow.CalendarDayInput
	if !s.bind(c, &in) {
		return
	}
	d, err := s.engine.SetCalendarDay(c.Request.Context(), CurrentUser(c), day, in)
	s.respond(c, http.StatusOK, d, err)
}

func (s *Server) deleteCalendarDay(c *gin.Context) {
	day, ok := s.pathDate(c)
	if !ok {
		return
	}
	if err := s.engine.DeleteCalendarDay(c.Request.Context(), CurrentUser(c), day); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

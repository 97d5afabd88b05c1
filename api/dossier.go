package api

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
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
	b, err := s.DossierZip(c.Request.Context(), CurrentUser(c), id, c.Query("lang"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	SendZip(c, id, b)
}

// SendZip sends a decision's dossier archive as a download.
func SendZip(c *gin.Context, id int64, b []byte) {
	c.Header("Content-Disposition", `attachment; filename="decision-`+strconv.FormatInt(id, 10)+`-dossier.zip"`)
	c.Data(http.StatusOK, "application/zip", b)
}

// DossierZip packs a decision's dossier for the actor: dossier.json, the
// printable dossier.html in lang (from the mounted pages), manifest.json
// and SHA256SUMS (for `sha256sum -c`).
func (s *Server) DossierZip(ctx context.Context, actor *workflow.User, id int64, lang string) ([]byte, error) {
	d, err := s.engine.Dossier(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, workflow.Internal(err)
	}
	type file struct {
		name string
		data []byte
	}
	files := []file{{"dossier.json", js}}
	if s.pages != nil {
		var html bytes.Buffer
		if err := s.pages.PrintDossier(&html, lang, d); err != nil {
			return nil, workflow.Internal(err)
		}
		files = append(files, file{"dossier.html", html.Bytes()})
	}
	m := manifest{DecisionID: id, GeneratedAt: d.GeneratedAt, JournalEntries: d.Verification.Entries,
		JournalHeadHash: d.Verification.HeadHash, JournalIntact: d.Verification.OK}
	var sums bytes.Buffer
	for _, f := range files {
		sum := sha256.Sum256(f.data)
		m.Files = append(m.Files, manifestFile{f.name, len(f.data), hex.EncodeToString(sum[:])})
		fmt.Fprintf(&sums, "%x  %s\n", sum, f.name)
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, workflow.Internal(err)
	}
	files = append(files, file{"manifest.json", mj}, file{"SHA256SUMS", sums.Bytes()})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: d.GeneratedAt})
		if err == nil {
			_, err = w.Write(f.data)
		}
		if err != nil {
			return nil, workflow.Internal(err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, workflow.Internal(err)
	}
	return buf.Bytes(), nil
}

func (s *Server) stats(c *gin.Context) {
	st, err := s.engine.Stats(c.Request.Context(), CurrentUser(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
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
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
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

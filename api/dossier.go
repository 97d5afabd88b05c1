package api

import (
	"archive/zip"
	"bytes"
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

// dossierLang is the language of the printable dossier: ?lang=en, the UI's
// cookie, or Chinese, the language of the town's archive.
func dossierLang(c *gin.Context) string {
	if c.Query("lang") == langEN || c.GetString(ctxLang) == langEN {
		return langEN
	}
	return langZH
}

func (s *Server) dossier(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	d, err := s.engine.Dossier(c.Request.Context(), currentUser(c), id)
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

// dossierZip serves the archive to API clients.
func (s *Server) dossierZip(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	b, err := s.buildDossierZip(c, id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	sendZip(c, id, b)
}

// uiDossierZip serves the same archive to the signed-in browser.
func (s *Server) uiDossierZip(c *gin.Context) {
	id, ok := s.uiID(c, "id")
	if !ok {
		return
	}
	b, err := s.buildDossierZip(c, id)
	if err != nil {
		s.uiError(c, err)
		return
	}
	sendZip(c, id, b)
}

func sendZip(c *gin.Context, id int64, b []byte) {
	c.Header("Content-Disposition", `attachment; filename="decision-`+strconv.FormatInt(id, 10)+`-dossier.zip"`)
	c.Data(http.StatusOK, "application/zip", b)
}

// buildDossierZip packs dossier.json, the printable dossier.html,
// manifest.json and SHA256SUMS (for `sha256sum -c`).
func (s *Server) buildDossierZip(c *gin.Context, id int64) ([]byte, error) {
	d, err := s.engine.Dossier(c.Request.Context(), currentUser(c), id)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, workflow.Internal(err)
	}
	p := &page{Lang: dossierLang(c), User: currentUser(c), loc: s.engine.Settings().Location, Data: d}
	p.Title = d.Decision.Title
	var html bytes.Buffer
	if err := s.views["dossier"].ExecuteTemplate(&html, "standalone", p); err != nil {
		return nil, workflow.Internal(err)
	}
	type file struct {
		name string
		data []byte
	}
	files := []file{{"dossier.json", js}, {"dossier.html", html.Bytes()}}
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
	st, err := s.engine.Stats(c.Request.Context(), currentUser(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

func (s *Server) calendarDays(c *gin.Context) {
	days, err := s.engine.CalendarDays(c.Request.Context(), currentUser(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	if y := c.Query("year"); y != "" {
		year, _ := strconv.Atoi(y)
		kept := days[:0]
		for _, d := range days {
			if d.Day.Year == year {
				kept = append(kept, d)
			}
		}
		days = kept
	}
	c.JSON(http.StatusOK, gin.H{"days": days})
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
	d, err := s.engine.SetCalendarDay(c.Request.Context(), currentUser(c), day, in)
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
	if err := s.engine.DeleteCalendarDay(c.Request.Context(), currentUser(c), day); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

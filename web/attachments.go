package web

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"

	"decisionflow/api"
	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
)

// The papers of a decision in the pages: the list on the decision page with
// links to download, an upload form with the kinds of the step and role, and
// the public draft explanation on the consultation's page.

const secAttachments = "attachments"

// uploadForm lays out the add_attachment capability as a multipart form
// posting to the upload route.
func (p *page) uploadForm(cp workflow.Capability, base, today string) formView {
	f := p.formOf(cp, "record-"+cp.Name, base+"/attachments", nil, today)
	f.Multipart = true
	return f
}

// upload receives a file from the decision page. The CSRF field comes
// before the file in the form and is checked before the file is read.
func (ui *Pages) upload(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	csrf := func(fields map[string]string) error {
		want := c.GetString(ctxCSRF)
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(fields["csrf"])) != 1 {
			return errCSRF
		}
		return nil
	}
	u, err := api.ReceiveUpload(c.Request, ui.api.MaxUpload(), csrf)
	if err == errCSRF {
		ui.csrfRefused(c)
		return
	}
	if err == nil {
		defer u.Close()
		_, err = api.AddUpload(c, ui.engine, id, u)
	}
	ui.afterAction(c, id, "record-"+workflow.RecordAddAttachment, secAttachments, err)
}

var errCSRF = workflow.Errorf(workflow.EFORBIDDEN, "the form's CSRF token is missing or wrong")

// csrfRefused answers a form without its CSRF token, as checkCSRF does.
func (ui *Pages) csrfRefused(c *gin.Context) {
	ui.log.WarnContext(c.Request.Context(), "form refused: CSRF token missing or wrong", "request_id", api.RequestID(c), "path", c.Request.URL.Path)
	p := ui.newPage(c, "rule.csrf")
	p.Err = &formError{Message: p.T("rule.csrf"), Status: http.StatusForbidden}
	c.Header("Connection", "close")
	ui.render(c, http.StatusForbidden, "error", p)
}

// download sends one attachment to a signed-in user.
func (ui *Pages) download(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	aid, ok := ui.pathID(c, "attachment_id")
	if !ok {
		return
	}
	a, err := ui.engine.Attachment(c.Request.Context(), api.CurrentUser(c), id, aid)
	if err != nil {
		ui.fail(c, err)
		return
	}
	ui.send(c, a)
}

// publicDownload sends a draft explanation published with an open draft.
func (ui *Pages) publicDownload(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	aid, ok := ui.pathID(c, "attachment_id")
	if !ok {
		return
	}
	a, err := ui.engine.PublicAttachment(c.Request.Context(), id, aid)
	if err != nil {
		ui.fail(c, err)
		return
	}
	ui.send(c, a)
}

func (ui *Pages) send(c *gin.Context, a *workflow.Attachment) {
	if err := api.SendAttachment(c, ui.engine, a); err != nil {
		ui.log.ErrorContext(c.Request.Context(), "attachment download cut", "request_id", api.RequestID(c), "error", err.Error())
	}
}

// Size writes a file size for people: bytes, KB or MB.
func (p *page) Size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return strconv.FormatInt(n, 10) + " B"
}

// TypeName is the short name of an accepted content type.
func (p *page) TypeName(ct string) string {
	if n, ok := typeNames[ct]; ok {
		return n
	}
	return ct
}

var typeNames = map[string]string{
	workflow.TypePDF: "PDF", workflow.TypeOFD: "OFD", workflow.TypePNG: "PNG", workflow.TypeJPEG: "JPEG",
	workflow.TypeDOCX: "DOCX", workflow.TypeXLSX: "XLSX", workflow.TypeDOC: "DOC", workflow.TypeXLS: "XLS",
}

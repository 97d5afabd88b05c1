package web

import (
	"net/http"

	"decisionflow/api"

	"github.com/gin-gonic/gin"
)

// dossier is the printable dossier of a decision.
func (ui *Pages) dossier(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	d, err := ui.engine.Dossier(c.Request.Context(), api.CurrentUser(c), id)
	if err != nil {
		ui.fail(c, err)
		return
	}
	p := ui.newPage(c, "dossier.title")
	p.Title = d.Decision.Title
	p.Data = d
	ui.render(c, http.StatusOK, "dossier", p)
}

// dossierZip serves the API's dossier archive to the signed-in browser,
// its dossier.html in the page's language (or ?lang=).
func (ui *Pages) dossierZip(c *gin.Context) {
	id, ok := ui.pathID(c, "id")
	if !ok {
		return
	}
	lang := c.Query("lang")
	if lang == "" {
		lang = c.GetString(ctxLang)
	}
	if err := ui.api.SendDossierZip(c, api.CurrentUser(c), id, lang); err != nil {
		ui.fail(c, err)
	}
}

package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
)

// The yearly catalog (lifecycle.md "The catalog"): handlers parse, call the
// engine, render.

// pathYear reads the {year} path parameter.
func (s *Server) pathYear(c *gin.Context) (int, bool) {
	y, err := strconv.Atoi(c.Param("year"))
	if err != nil || y < 2000 || y > 2100 {
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "year", Message: "must be a year between 2000 and 2100"}))
		return 0, false
	}
	return y, true
}

func (s *Server) listCatalogs(c *gin.Context) {
	cs, err := s.engine.Catalogs(c.Request.Context(), CurrentUser(c))
	s.respond(c, http.StatusOK, gin.H{"catalogs": cs}, err)
}

func (s *Server) getCatalog(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	cat, err := s.engine.Catalog(c.Request.Context(), CurrentUser(c), year)
	s.respond(c, http.StatusOK, cat, err)
}

func (s *Server) publicCatalog(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	cat, err := s.engine.PublicCatalog(c.Request.Context(), year)
	s.respond(c, http.StatusOK, cat, err)
}

func (s *Server) addCatalogEntry(c *gin.Context) {
	year, ok := s.pathYear(c)
	var in workflow.EntryInput
	if !ok || !s.bind(c, &in) {
		return
	}
	e, err := s.engine.AddCatalogEntry(c.Request.Context(), CurrentUser(c), year, in)
	s.respond(c, http.StatusCreated, e, err)
}

func (s *Server) editCatalogEntry(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	id, ok := s.pathID(c, "entry_id")
	var in workflow.EntryInput
	if !ok || !s.bind(c, &in) {
		return
	}
	e, err := s.engine.EditCatalogEntry(c.Request.Context(), CurrentUser(c), year, id, in)
	s.respond(c, http.StatusOK, e, err)
}

func (s *Server) removeCatalogEntry(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	id, ok := s.pathID(c, "entry_id")
	var in workflow.RemovalInput
	if !ok || !s.bind(c, &in) {
		return
	}
	e, err := s.engine.RemoveCatalogEntry(c.Request.Context(), CurrentUser(c), year, id, in)
	s.respond(c, http.StatusOK, e, err)
}

func (s *Server) fireCatalogEvent(c *gin.Context) {
	year, ok := s.pathYear(c)
	var in struct {
		Event string          `json:"event"`
		Data  json.RawMessage `json:"data"`
	}
	if !ok || !s.bind(c, &in) {
		return
	}
	cat, err := s.engine.FireCatalog(c.Request.Context(), CurrentUser(c), year, in.Event, in.Data)
	s.respond(c, http.StatusOK, cat, err)
}

func (s *Server) catalogHistory(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	entries, err := s.engine.CatalogHistory(c.Request.Context(), CurrentUser(c), year)
	s.respond(c, http.StatusOK, gin.H{"entries": entries}, err)
}

func (s *Server) verifyCatalog(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	v, err := s.engine.VerifyCatalog(c.Request.Context(), CurrentUser(c), year)
	s.respond(c, http.StatusOK, v, err)
}

func (s *Server) exportCatalog(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	cat, err := s.engine.Catalog(c.Request.Context(), CurrentUser(c), year)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeCatalogExport(c, cat)
}

func (s *Server) exportPublicCatalog(c *gin.Context) {
	year, ok := s.pathYear(c)
	if !ok {
		return
	}
	cat, err := s.engine.PublicCatalog(c.Request.Context(), year)
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeCatalogExport(c, cat)
}

func (s *Server) writeCatalogExport(c *gin.Context, cat *workflow.Catalog) {
	format := c.DefaultQuery("format", "xlsx")
	var (
		body []byte
		err  error
		ct   string
	)
	switch format {
	case "xlsx":
		body, err = CatalogXLSX(cat)
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "csv":
		body, err = CatalogCSV(cat)
		ct = "text/csv; charset=utf-8"
	default:
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "format", Message: "must be xlsx or csv"}))
		return
	}
	if err != nil {
		s.writeError(c, workflow.Internal(err))
		return
	}
	name := fmt.Sprintf("catalog-%d.%s", cat.Year, format)
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, ct, body)
}

// CatalogHeaders are the spreadsheet's column headers.
var CatalogHeaders = []string{"序号", "决策事项", "类别", "承办单位", "计划季度", "列入理由", "进展", "决策编号", "调出理由"}

var categoryNames = map[string]string{
	"public_policy": "公共政策", "plan": "规划", "resources": "资源开发利用",
	"construction_project": "重大公共建设项目", "other": "其他",
}

var progressNames = map[string]string{
	workflow.ProgressNotStarted: "未启动", workflow.ProgressInProgress: "进行中",
	workflow.ProgressDecided: "已决定", workflow.ProgressRemoved: "已调出",
}

// StateNames are the decisions' states in Chinese, as the web UI names them
// (web/i18n.go state.*; a test in web keeps the two the same).
var StateNames = map[workflow.State]string{
	workflow.StateProposed: "建议（待启动）", workflow.StateDeclined: "不予启动",
	workflow.StateDrafting: "起草（决策启动）", workflow.StatePublicParticipation: "公众参与",
	workflow.StateExpertReview: "专家论证", workflow.StateRiskAssessment: "风险评估",
	workflow.StateLegalityReview: "合法性审查", workflow.StateRevising: "修改完善（退回修改）",
	workflow.StateCollectiveDecision: "集体讨论决定", workflow.StateDeferred: "暂缓决定",
	workflow.StateApproved: "已决定", workflow.StatePublished: "已公布",
	workflow.StateSuspended: "中止执行", workflow.StateEvaluating: "决策后评估",
	workflow.StateExecuted: "执行完毕", workflow.StateStopped: "停止执行",
	workflow.StateAdjusted: "已调整（新决策已公布）", workflow.StateArchived: "已归档",
	workflow.StateRejected: "不予通过", workflow.StateWithdrawn: "已终止",
}

// StateName is a state's Chinese name (its id if it has none).
func StateName(s workflow.State) string {
	if n, ok := StateNames[s]; ok {
		return n
	}
	return string(s)
}

// CatalogRows are the catalog's entries as spreadsheet rows, in Chinese.
func CatalogRows(cat *workflow.Catalog) [][]string {
	out := [][]string{CatalogHeaders}
	for i, e := range cat.Entries {
		quarter, decision := "", ""
		if e.PlannedQuarter != nil {
			quarter = fmt.Sprintf("第%d季度", *e.PlannedQuarter)
		}
		if e.DecisionID != nil {
			decision = strconv.FormatInt(*e.DecisionID, 10)
		}
		progress := progressNames[e.Progress.Status]
		if e.Progress.State != "" {
			progress += "（" + StateName(e.Progress.State) + "）"
		}
		out = append(out, []string{strconv.Itoa(i + 1), e.Title, categoryNames[e.Category], e.UndertakingUnit,
			quarter, e.Reason, progress, decision, e.RemovalReason})
	}
	return out
}

// CatalogXLSX writes the catalog as an .xlsx workbook.
func CatalogXLSX(cat *workflow.Catalog) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	sheet := fmt.Sprintf("%d年决策事项目录", cat.Year)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	for r, row := range CatalogRows(cat) {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		vals := make([]any, len(row))
		for i, v := range row {
			vals[i] = v
		}
		if err := f.SetSheetRow(sheet, cell, &vals); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CatalogCSV writes the catalog as CSV in UTF-8 with a BOM, which Excel
// needs to read Chinese.
func CatalogCSV(cat *workflow.Catalog) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(CatalogRows(cat)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// addHearing records a hearing of public participation (lifecycle.md
// "Hearings"); the list is served by listOf.
func (s *Server) addHearing(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	var in workflow.HearingInput
	if !ok || !s.bind(c, &in) {
		return
	}
	h, err := s.engine.AddHearing(c.Request.Context(), CurrentUser(c), id, in)
	s.respond(c, http.StatusCreated, h, err)
}

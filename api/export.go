package api

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"decisionflow/workflow"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"
)

// Spreadsheet exports: the decision list (with the list's filters) and the
// statistics, as .xlsx (dates as dates, the header row frozen) or as CSV in
// UTF-8 with a BOM.

// DecisionHeaders are the decision list's column headers.
var DecisionHeaders = []string{"编号", "决策事项", "承办单位", "类别", "状态", "当前环节", "启动日期", "办理期限", "是否逾期", "决定日期", "公布日期"}

// StatsHeaders are the statistics' column headers.
var StatsHeaders = []string{"分类", "项目", "数值"}

// DecisionCells are one export row's cells: strings, numbers and dates
// (time.Time at midnight UTC), nil for an empty cell.
func DecisionCells(r workflow.ExportRow) []any {
	date := func(d *workflow.Date) any {
		if d == nil {
			return nil
		}
		return d.Time()
	}
	overdue := "否"
	if r.Overdue {
		overdue = "是"
	}
	cat := categoryNames[r.Category]
	if cat == "" {
		cat = r.Category
	}
	started := r.Started
	return []any{r.ID, r.Title, r.UndertakingUnit, cat, string(r.State), r.Step, date(&started), date(r.Due), overdue,
		date(r.Decided), date(r.Published)}
}

// StatsCells are the statistics as rows of StatsHeaders.
func StatsCells(st *workflow.Stats) [][]any {
	var out [][]any
	for _, s := range st.ByState {
		out = append(out, []any{"状态", string(s.State), s.Count})
	}
	for _, u := range st.ByUnit {
		out = append(out, []any{"承办单位", u.Unit, u.Count})
	}
	for _, o := range st.ByOutcome {
		out = append(out, []any{"办结结果", string(o.Outcome), o.Count})
	}
	for _, m := range st.MedianDays {
		var days any
		if m.Days != nil {
			days = *m.Days
		}
		out = append(out, []any{"环节用时中位数（天）", m.Step, days})
	}
	return append(out, []any{"逾期", "", st.Overdue}, []any{"合计", "", st.Total})
}

func (s *Server) exportDecisions(c *gin.Context) {
	f, ok := s.listFilter(c)
	if !ok {
		return
	}
	rows, err := s.engine.Export(c.Request.Context(), CurrentUser(c), f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	cells := make([][]any, len(rows))
	for i, r := range rows {
		cells[i] = DecisionCells(r)
	}
	s.writeSheet(c, "decisions", "重大行政决策", DecisionHeaders, cells)
}

func (s *Server) exportStats(c *gin.Context) {
	st, err := s.engine.Stats(c.Request.Context(), CurrentUser(c))
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.writeSheet(c, "statistics", "统计", StatsHeaders, StatsCells(st))
}

// listFilter reads the decision list's filters (paging aside).
func (s *Server) listFilter(c *gin.Context) (workflow.DecisionFilter, bool) {
	f := workflow.DecisionFilter{State: workflow.State(c.Query("state")), Query: c.Query("q"),
		UndertakingUnit: c.Query("undertaking_unit"), Overdue: c.Query("overdue") == "true"}
	if db := c.Query("due_before"); db != "" {
		d, err := workflow.ParseDate(db)
		if err != nil {
			s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "due_before", Message: "must be a date YYYY-MM-DD"}))
			return f, false
		}
		f.DueBefore = &d
	}
	return f, true
}

// writeSheet answers the rows as ?format=xlsx (default) or csv.
func (s *Server) writeSheet(c *gin.Context, name, sheet string, headers []string, rows [][]any) {
	format := c.DefaultQuery("format", "xlsx")
	var (
		body []byte
		err  error
		ct   string
	)
	switch format {
	case "xlsx":
		body, err = SheetXLSX(sheet, headers, rows)
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "csv":
		body, err = SheetCSV(headers, rows)
		ct = "text/csv; charset=utf-8"
	default:
		s.writeError(c, workflow.Invalid(workflow.FieldError{Field: "format", Message: "must be xlsx or csv"}))
		return
	}
	if err != nil {
		s.writeError(c, workflow.Internal(err))
		return
	}
	c.Header("Content-Disposition", ContentDisposition(fmt.Sprintf("%s-%s.%s", name, time.Now().Format("20060102"), format)))
	c.Data(http.StatusOK, ct, body)
}

// SheetXLSX writes one sheet: the header row frozen, dates as dates.
func SheetXLSX(sheet string, headers []string, rows [][]any) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("yyyy-mm-dd")})
	if err != nil {
		return nil, err
	}
	head := make([]any, len(headers))
	for i, h := range headers {
		head[i] = h
	}
	if err := f.SetSheetRow(sheet, "A1", &head); err != nil {
		return nil, err
	}
	for r, row := range rows {
		if err := writeRow(f, sheet, r+2, row, dateStyle); err != nil {
			return nil, err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeRow(f *excelize.File, sheet string, r int, row []any, dateStyle int) error {
	for i, v := range row {
		cell, _ := excelize.CoordinatesToCellName(i+1, r)
		if v == nil {
			continue
		}
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return err
		}
		if _, isDate := v.(time.Time); isDate {
			if err := f.SetCellStyle(sheet, cell, cell, dateStyle); err != nil {
				return err
			}
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// SheetCSV writes the rows as CSV in UTF-8 with a BOM (which Excel needs to
// read Chinese), dates as YYYY-MM-DD.
func SheetCSV(headers []string, rows [][]any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	if err := w.Write(headers); err != nil {
		return nil, err
	}
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, v := range row {
			switch x := v.(type) {
			case nil:
			case time.Time:
				rec[i] = x.Format("2006-01-02")
			case string:
				rec[i] = x
			case float64:
				rec[i] = strconv.FormatFloat(x, 'f', -1, 64)
			default:
				rec[i] = fmt.Sprint(x)
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, err
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

// ExportDecisions answers the decision list as a spreadsheet, for the pages.
func (s *Server) ExportDecisions(c *gin.Context) { s.exportDecisions(c) }

// ExportStats answers the statistics as a spreadsheet, for the pages.
func (s *Server) ExportStats(c *gin.Context) { s.exportStats(c) }

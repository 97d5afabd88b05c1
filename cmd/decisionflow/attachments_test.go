package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// upload posts a multipart upload and returns the response.
func (s *server) upload(token string, id int64, kind, name string, content []byte, public bool) response {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("kind", kind)
	if public {
		mw.WriteField("public", "true")
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/decisions/%d/attachments", s.base, id), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}

func pdfOf(n int) []byte {
	b := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
	copy(b, "%PDF-1.7\n")
	for i := 9; i < n; i += 7 {
		b[i] = byte(i * 31)
	}
	return b
}

// TestAttachmentsAndExports runs `serve --demo` on an empty database of
// each store: the demo decisions are on the first screen; uploads are
// stored and downloaded byte for byte, journaled, refused by type and by
// size (413, nothing stored); the public path shows only a public draft
// explanation; the .xlsx export holds the list's rows; the dossier zip's
// manifest matches every file, attachments included.
func TestAttachmentsAndExports(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := startServerArgs(t, []string{"--db", dsn, "--demo"})
			checkDashboard(t, s)
			staffTok := s.login("staff", DemoPassword)
			checkDemoCatalog(t, s, staffTok)
			checkUploads(t, s, staffTok)
			checkExport(t, s, staffTok)
			checkDossierZip(t, s, staffTok, 1)
		})
	}
}

// checkDashboard signs in through the pages and reads the first screen.
func checkDashboard(t *testing.T, s *server) {
	client := &http.Client{Jar: newJar(t)}
	res, err := client.Get(s.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfToken.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	res, err = client.PostForm(s.base+"/login", url.Values{"username": {"staff"}, "password": {DemoPassword}, "csrf": {m[1]}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	found := 0
	for _, title := range []string{"关于老旧小区加装电梯补助的决定", "关于实施镇区垃圾分类管理的决定", "关于调整镇区公交线路的决定", "关于镇区停车收费标准调整的决定"} {
		if strings.Contains(string(b), title) {
			found++
		}
	}
	if found < 2 {
		t.Fatalf("the first screen after sign-in (%s) shows %d demo decisions:\n%s", res.Request.URL.Path, found, b)
	}
}

// checkDemoCatalog: the demo's catalog of the current year is published,
// open to the public, with entries, the archived decision started from one.
func checkDemoCatalog(t *testing.T, s *server, tok string) {
	cs := s.want(s.call("GET", "/api/v1/catalogs", tok, nil), 200, "")["catalogs"].([]any)
	if len(cs) != 1 {
		t.Fatalf("demo catalogs: %v", cs)
	}
	year := int(cs[0].(map[string]any)["year"].(float64))
	if now := time.Now().In(time.FixedZone("CST", 8*3600)).Year(); year != now {
		t.Fatalf("the demo catalog is of %d, not of the current year %d", year, now)
	}
	c := s.want(s.call("GET", fmt.Sprintf("/api/v1/public/catalogs/%d", year), "", nil), 200, "")
	entries := c["entries"].([]any)
	if c["state"] != "published" || len(entries) < 3 {
		t.Fatalf("demo catalog: %s with %d entries", c["state"], len(entries))
	}
	if e := entries[0].(map[string]any); e["decision_id"] != float64(1) || e["progress"].(map[string]any)["status"] != "decided" {
		t.Fatalf("the archived demo decision is not started from the catalog's first entry: %v", e)
	}
	if v := s.want(s.call("GET", fmt.Sprintf("/api/v1/catalogs/%d/verify", year), tok, nil), 200, ""); v["ok"] != true {
		t.Fatalf("demo catalog chain: %v", v)
	}
}

func checkUploads(t *testing.T, s *server, tok string) {
	const id = 3 // the demo decision in legality review
	before := s.want(s.call("GET", "/api/v1/decisions/3/attachments", tok, nil), 200, "")["attachments"].([]any)
	history := len(s.want(s.call("GET", "/api/v1/decisions/3/history", tok, nil), 200, "")["entries"].([]any))

	content := pdfOf(2<<20 + 333)
	sum := sha256.Sum256(content)
	a := s.want(s.upload(tok, id, "other", "审查材料 (附件).pdf", content, false), 201, "")
	if a["sha256"] != hex.EncodeToString(sum[:]) || a["content_type"] != "application/pdf" {
		t.Fatalf("upload answered %v", a)
	}
	r := s.call("GET", fmt.Sprintf("/api/v1/decisions/3/attachments/%v", a["id"]), tok, nil)
	if got := sha256.Sum256(r.body); r.status != 200 || got != sum || !bytes.Equal(r.body, content) {
		t.Fatalf("download: %d, %d bytes", r.status, len(r.body))
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''%E5%AE%A1") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("download without nosniff")
	}
	s.want(s.call("GET", fmt.Sprintf("/api/v1/public/consultations/3/attachments/%v", a["id"]), "", nil), 404, "not-found")

	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), bytes.Repeat([]byte{0}, 1000)...)
	s.want(s.upload(tok, id, "other", "报告.pdf", exe, false), 422, "attachment-type-not-allowed")
	s.want(s.upload(tok, id, "other", "big.pdf", pdfOf(21<<20), false), 413, "body-too-large")
	if code := earlyAnswer(t, s, tok); code != 413 {
		t.Fatalf("a 21 MiB Content-Length with a short body: %d, want 413 at once", code)
	}
	after := s.want(s.call("GET", "/api/v1/decisions/3/attachments", tok, nil), 200, "")["attachments"].([]any)
	entries := len(s.want(s.call("GET", "/api/v1/decisions/3/history", tok, nil), 200, "")["entries"].([]any))
	if len(after) != len(before)+1 || entries != history+1 {
		t.Fatalf("after one upload and three refusals: %d files (was %d), %d entries (was %d)", len(after), len(before), entries, history)
	}
	// The open consultation's public draft explanation is downloadable by anyone.
	files := s.want(s.call("GET", "/api/v1/decisions/5/attachments", tok, nil), 200, "")["attachments"].([]any)
	pub := files[0].(map[string]any)
	if r := s.call("GET", fmt.Sprintf("/api/v1/public/consultations/5/attachments/%v", pub["id"]), "", nil); r.status != 200 || pub["public"] != true {
		t.Fatalf("public draft explanation: %d %v", r.status, pub)
	}
}

// earlyAnswer sends headers announcing 21 MiB and only 1 KiB of body: the
// server must answer without waiting for the rest.
func earlyAnswer(t *testing.T, s *server, tok string) int {
	u, _ := url.Parse(s.base)
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "POST /api/v1/decisions/3/attachments HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\n\r\n", u.Host, tok, 21<<20)
	c.Write(bytes.Repeat([]byte("a"), 1024))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer before the body: %v", err)
	}
	return res.StatusCode
}

// checkExport opens the .xlsx export and compares it with the API's list.
func checkExport(t *testing.T, s *server, tok string) {
	list := s.want(s.call("GET", "/api/v1/decisions?limit=200", tok, nil), 200, "")["decisions"].([]any)
	r := s.call("GET", "/api/v1/decisions/export?format=xlsx", tok, nil)
	if r.status != 200 {
		t.Fatalf("export: %d %s", r.status, r.body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(list)+1 || rows[0][0] != "编号" || rows[0][1] != "决策事项" {
		t.Fatalf("%d rows (header %v), want %d decisions", len(rows), rows[0], len(list))
	}
	for i, d := range list {
		m := d.(map[string]any)
		if rows[i+1][0] != strconv.Itoa(int(m["id"].(float64))) || rows[i+1][1] != m["title"] || rows[i+1][4] != m["state"] {
			t.Errorf("row %d = %v, want %v %v %v", i+1, rows[i+1], m["id"], m["title"], m["state"])
		}
	}
	panes, err := f.GetPanes(f.GetSheetName(0))
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v %v", panes, err)
	}
	csv := s.call("GET", "/api/v1/decisions/export?format=csv&state=archived", tok, nil)
	if !bytes.HasPrefix(csv.body, []byte("\ufeff编号,")) || bytes.Count(csv.body, []byte("\n")) != 2 {
		t.Errorf("csv of the archived decisions:\n%s", csv.body)
	}
}

// checkDossierZip checks that the manifest's sums match every file.
func checkDossierZip(t *testing.T, s *server, tok string, id int64) {
	r := s.call("GET", fmt.Sprintf("/api/v1/decisions/%d/dossier.zip", id), tok, nil)
	z, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatalf("dossier.zip: %v", err)
	}
	var man struct {
		Files []struct {
			Name   string `json:"name"`
			Bytes  int    `json:"bytes"`
			SHA256 string `json:"sha256"`
		} `json:"files"`
	}
	sums, attachments := map[string]string{}, 0
	for _, f := range z.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		sum := sha256.Sum256(b)
		sums[f.Name] = hex.EncodeToString(sum[:])
		if f.Name == "manifest.json" {
			json.Unmarshal(b, &man)
		}
		if strings.HasPrefix(f.Name, "attachments/") {
			attachments++
		}
	}
	if attachments < 5 || len(man.Files) != len(z.File)-2 {
		t.Fatalf("%d attachments, manifest of %d files for %d in the zip", attachments, len(man.Files), len(z.File))
	}
	for _, f := range man.Files {
		if sums[f.Name] != f.SHA256 {
			t.Errorf("%s: manifest %s, file %s", f.Name, f.SHA256, sums[f.Name])
		}
	}
}

// TestUploadMemory measures the server's peak RSS (VmHWM) while 8 clients
// each upload a 20 MB file and download it again at once, on PostgreSQL.
func TestUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	s := startServerArgs(t, []string{"--db", stores(t)["postgres"], "--demo"})
	tok := s.login("staff", DemoPassword)
	content := pdfOf(20 << 20)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.upload(tok, 3, "other", fmt.Sprintf("f%d.pdf", i), content, false)
			if r.status != 201 {
				errs <- fmt.Sprintf("upload %d: %d %s", i, r.status, r.body)
				return
			}
			var a map[string]any
			json.Unmarshal(r.body, &a)
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/decisions/3/attachments/%v", s.base, a["id"]), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if n != int64(len(content)) {
				errs <- fmt.Sprintf("download %d: %d bytes", i, n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	hwm := vmHWM(t, s.cmd.Process.Pid)
	t.Logf("server peak RSS (VmHWM) after 8 concurrent 20 MB uploads and downloads: %d MB", hwm>>20)
	if hwm > 150<<20 {
		t.Errorf("peak RSS %d MB, want under 150 MB", hwm>>20)
	}
}

func vmHWM(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

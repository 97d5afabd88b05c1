package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// demoTitles are the six decisions `serve --demo` seeds, one per step.
var demoTitles = []string{
	"关于老旧小区加装电梯补助的决定",     // archived, from the catalog
	"关于镇区农贸市场升级改造的决定",     // waiting for the meeting, from the catalog
	"关于调整镇区公交线路的决定",       // in legality review
	"关于设立镇级农村环境整治专项资金的决定", // in expert review
	"关于实施镇区垃圾分类管理的决定",     // open for comment
	"关于镇区停车收费标准调整的决定",     // being drafted
}

// TestDemoScreenshots runs `serve --demo` on an empty database and takes the
// README's screenshots of what a new reader sees first: staff's dashboard,
// the public 决策事项目录 of the demo's year and the statistics, as the head.
// They overwrite nothing of the walk's (its own are walk-*.jpg).
func TestDemoScreenshots(t *testing.T) {
	s := startServerArgs(t, []string{"--db", filepath.Join(t.TempDir(), "demo.db"), "--demo"})
	b := newBrowser(t, s.base)

	// Staff's first screen lists the demo decisions waiting for them.
	b.signIn("staff", DemoPassword)
	b.open("/dashboard")
	links, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".worklist a[href^='/decisions/']"), a => a.textContent.trim())`))
	if err != nil {
		t.Fatalf("dashboard links: %v", err)
	}
	listed := map[string]bool{}
	for _, l := range links {
		for _, title := range demoTitles {
			if l == title {
				listed[title] = true
			}
		}
	}
	if len(listed) < 3 {
		t.Fatalf("the dashboard lists %d demo decisions (%v):\n%s", len(listed), links, b.text("main"))
	}
	b.screenshot("dashboard.jpg")
	b.signOut()

	// The public catalog of the engine clock's year: published, its four
	// entries with their progress, the two started ones at their step.
	pub := b.incognito()
	pub.open("/catalog")
	m := regexp.MustCompile(`/catalog/(\d{4})$`).FindStringSubmatch(pub.location())
	if m == nil {
		t.Fatalf("/catalog led to %s", pub.location())
	}
	year, _ := strconv.Atoi(m[1])
	pub.open("/catalog/" + strconv.Itoa(year))
	if got := pub.text("#catalog-state"); !strings.Contains(got, "已公布") {
		t.Fatalf("the demo catalog of %d: %q", year, got)
	}
	entries := pub.text("#catalog-entries")
	for _, want := range []string{demoTitles[0], demoTitles[1], "关于编制镇区村庄规划的决定", "关于镇区生活污水处理设施建设的决定",
		"已决定（", "进行中（", "未启动"} {
		if !strings.Contains(entries, want) {
			t.Fatalf("the public catalog of %d lacks %q:\n%s", year, want, entries)
		}
	}
	pub.screenshot("catalog.jpg")

	// The head's statistics count the six decisions and draw them.
	b.signIn("head", DemoPassword)
	b.open("/stats")
	total, err := strconv.Atoi(strings.TrimSpace(b.text("ul.counts li:first-child .n")))
	if err != nil || total < len(demoTitles) {
		t.Fatalf("statistics total %d (%v): %s", total, err, b.text("main"))
	}
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll("figure.chart svg rect").length`)); err != nil || n < 6 {
		t.Fatalf("statistics charts: %d bars, %v", n, err)
	}
	b.screenshot("stats.jpg")
}

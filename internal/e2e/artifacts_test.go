package e2e

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/chromedp/chromedp"
)

// saveArtifacts writes the page's full-length screenshot and its HTML to
// the artifacts directory, for a failed test.
func (tb *tab) saveArtifacts() {
	dir := os.Getenv("E2E_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Logf("artifacts: %v", err)
		return
	}
	name := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(tb.t.Name(), "_") +
		"-" + time.Now().Format("150405.000")
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		tb.writeArtifact(filepath.Join(dir, name+".png"), png)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML")); err == nil {
		tb.writeArtifact(filepath.Join(dir, name+".html"), []byte(html))
	}
}

func (tb *tab) writeArtifact(path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.t.Logf("artifacts: %v", err)
		return
	}
	abs, _ := filepath.Abs(path)
	tb.t.Logf("saved %s (page %s)", abs, tb.location())
}

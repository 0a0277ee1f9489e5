package http

import (
	"context"
	"log/slog"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

// knownDirectives bounds the metric's label values: report bodies are
// attacker-controlled, so anything else is counted as "other".
var knownDirectives = map[string]bool{
	"default-src": true, "script-src": true, "script-src-elem": true, "script-src-attr": true,
	"style-src": true, "style-src-elem": true, "style-src-attr": true, "img-src": true,
	"font-src": true, "connect-src": true, "frame-src": true, "frame-ancestors": true,
	"object-src": true, "base-uri": true, "form-action": true, "media-src": true,
	"worker-src": true, "manifest-src": true, "child-src": true,
}

// handleCSPReport records browsers' Content-Security-Policy violation
// reports: one warning log line and one counted metric per report.
func handleCSPReport(log *slog.Logger, m *metrics) echo.HandlerFunc {
	return middleware.CSPReportHandler(middleware.CSPReportConfig{
		OnReport: func(ctx context.Context, r middleware.CSPReport) {
			directive := r.EffectiveDirective
			if directive == "" {
				directive = r.ViolatedDirective
			}
			if !knownDirectives[directive] {
				directive = "other"
			}
			m.cspReports.WithLabelValues(directive).Inc()
			log.WarnContext(ctx, "csp violation", "directive", directive,
				"blocked_uri", r.BlockedURI, "document_uri", r.DocumentURI, "disposition", r.Disposition,
				"source_file", r.SourceFile, "line", r.LineNumber, "column", r.ColumnNumber, "sample", r.Sample)
		},
	})
}

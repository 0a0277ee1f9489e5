package middleware

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// CSPReportMaxString bounds every string of a CSPReport, in bytes.
const CSPReportMaxString = 512

// CSPReportMaxPerRequest bounds the reports ParseCSPReports returns for one
// body; the rest are dropped, so a crafted batch cannot flood OnReport.
const CSPReportMaxPerRequest = 100

// Errors of ParseCSPReports; CSPReportHandler answers each with 400.
var (
	ErrCSPReportContentType = errors.New("csp report: unsupported content type")
	ErrCSPReportMalformed   = errors.New("csp report: malformed JSON")
	ErrCSPReportEmpty       = errors.New("csp report: no CSP violation report")
)

// CSPReport is one CSP violation, normalised from either report format. Every
// string is at most CSPReportMaxString bytes of valid UTF-8 with control,
// format and line/paragraph-separator characters removed, so it is safe to
// log as is. Numbers are 0 when absent, negative or unparseable.
type CSPReport struct {
	DocumentURI        string
	ViolatedDirective  string
	EffectiveDirective string
	BlockedURI         string
	Disposition        string // "enforce" or "report"
	SourceFile         string
	LineNumber         int
	ColumnNumber       int
	Sample             string
}

// CSPReportConfig configures CSPReportHandler.
type CSPReportConfig struct {
	// MaxBytes bounds the request body (default 64 KiB); larger gets 413.
	MaxBytes int64
	// OnReport is called once per report, in order, with the request context.
	// Required.
	OnReport func(ctx context.Context, r CSPReport)
}

// DefaultCSPReportMaxBytes is CSPReportConfig.MaxBytes when left at 0.
const DefaultCSPReportMaxBytes = 64 << 10

// CSPReportHandler returns the handler of POST /csp-report. It accepts legacy
// report-uri bodies (application/csp-report), Reporting API batches
// (application/reports+json; entries other than csp-violation are ignored)
// and application/json holding either shape; calls OnReport for each report;
// and answers 204. A body over MaxBytes gets 413; an unsupported content
// type, malformed JSON or a body without a CSP report gets 400. A nil
// OnReport or a negative MaxBytes panics at construction.
func CSPReportHandler(cfg CSPReportConfig) echo.HandlerFunc {
	if cfg.OnReport == nil {
		panic("middleware: CSPReportHandler needs OnReport")
	}
	if cfg.MaxBytes < 0 {
		panic("middleware: CSPReportHandler MaxBytes is negative")
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultCSPReportMaxBytes
	}
	tooLarge := fmt.Sprintf("The report is too large (limit %s).", bodyLimitSize(cfg.MaxBytes))
	return func(c echo.Context) error {
		req := c.Request()
		if req.ContentLength > cfg.MaxBytes {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, tooLarge)
		}
		body, err := io.ReadAll(io.LimitReader(req.Body, cfg.MaxBytes+1))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe) || int64(len(body)) > cfg.MaxBytes:
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, tooLarge)
		case err != nil:
			return echo.NewHTTPError(http.StatusBadRequest, "The report body could not be read.").SetInternal(err)
		}
		reports, err := ParseCSPReports(req.Header.Get(echo.HeaderContentType), body)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, cspReportMessage(err)).SetInternal(err)
		}
		for _, r := range reports {
			cfg.OnReport(req.Context(), r)
		}
		return c.NoContent(http.StatusNoContent)
	}
}

func cspReportMessage(err error) string {
	switch {
	case errors.Is(err, ErrCSPReportContentType):
		return "A CSP report must be application/csp-report, application/reports+json or application/json."
	case errors.Is(err, ErrCSPReportEmpty):
		return "The body holds no CSP violation report."
	default:
		return "The CSP report is not valid JSON of a known shape."
	}
}

// ParseCSPReports parses a report body of the given Content-Type:
// application/csp-report, application/reports+json or application/json, each
// holding either a legacy {"csp-report": {...}} object or a Reporting API
// array (only "csp-violation" entries are kept). It returns at most
// CSPReportMaxPerRequest sanitised reports, or ErrCSPReportContentType,
// ErrCSPReportMalformed (wrapped with the cause) or ErrCSPReportEmpty. It
// never panics, whatever the input.
func ParseCSPReports(contentType string, body []byte) ([]CSPReport, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, ErrCSPReportContentType
	}
	switch mt {
	case "application/csp-report", "application/reports+json", "application/json":
	default:
		return nil, ErrCSPReportContentType
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, ErrCSPReportEmpty
	}
	var reports []CSPReport
	if body[0] == '[' {
		reports, err = parseReportingAPI(body)
	} else {
		reports, err = parseLegacyReport(body)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCSPReportMalformed, err)
	}
	if len(reports) == 0 {
		return nil, ErrCSPReportEmpty
	}
	return reports, nil
}

type legacyCSPReport struct {
	Report *struct {
		DocumentURI        string    `json:"document-uri"`
		ViolatedDirective  string    `json:"violated-directive"`
		EffectiveDirective string    `json:"effective-directive"`
		BlockedURI         string    `json:"blocked-uri"`
		Disposition        string    `json:"disposition"`
		SourceFile         string    `json:"source-file"`
		LineNumber         cspNumber `json:"line-number"`
		ColumnNumber       cspNumber `json:"column-number"`
		ScriptSample       string    `json:"script-sample"`
	} `json:"csp-report"`
}

func parseLegacyReport(body []byte) ([]CSPReport, error) {
	var in legacyCSPReport
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	if in.Report == nil {
		return nil, nil
	}
	r := in.Report
	effective := r.EffectiveDirective
	if effective == "" {
		effective, _, _ = strings.Cut(r.ViolatedDirective, " ")
	}
	return []CSPReport{sanitiseCSPReport(CSPReport{
		DocumentURI: r.DocumentURI, ViolatedDirective: r.ViolatedDirective,
		EffectiveDirective: effective, BlockedURI: r.BlockedURI, Disposition: r.Disposition,
		SourceFile: r.SourceFile, LineNumber: int(r.LineNumber), ColumnNumber: int(r.ColumnNumber),
		Sample: r.ScriptSample,
	})}, nil
}

type reportingAPIEntry struct {
	Type string `json:"type"`
	Body *struct {
		DocumentURL        string    `json:"documentURL"`
		EffectiveDirective string    `json:"effectiveDirective"`
		BlockedURL         string    `json:"blockedURL"`
		Disposition        string    `json:"disposition"`
		SourceFile         string    `json:"sourceFile"`
		LineNumber         cspNumber `json:"lineNumber"`
		ColumnNumber       cspNumber `json:"columnNumber"`
		Sample             string    `json:"sample"`
	} `json:"body"`
}

func parseReportingAPI(body []byte) ([]CSPReport, error) {
	var in []reportingAPIEntry
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, err
	}
	var out []CSPReport
	for _, e := range in {
		if e.Type != "csp-violation" || e.Body == nil {
			continue
		}
		b := e.Body
		out = append(out, sanitiseCSPReport(CSPReport{
			DocumentURI: b.DocumentURL, ViolatedDirective: b.EffectiveDirective,
			EffectiveDirective: b.EffectiveDirective, BlockedURI: b.BlockedURL, Disposition: b.Disposition,
			SourceFile: b.SourceFile, LineNumber: int(b.LineNumber), ColumnNumber: int(b.ColumnNumber),
			Sample: b.Sample,
		}))
		if len(out) == CSPReportMaxPerRequest {
			break
		}
	}
	return out, nil
}

// cspNumber accepts a JSON number or a numeric string (browsers differ) and
// becomes 0 for anything else, negative or beyond int32, so one odd field
// never loses the report.
type cspNumber int

func (n *cspNumber) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1<<31-1 {
		*n = 0
		return nil
	}
	*n = cspNumber(v)
	return nil
}

func sanitiseCSPReport(r CSPReport) CSPReport {
	for _, s := range []*string{&r.DocumentURI, &r.ViolatedDirective, &r.EffectiveDirective,
		&r.BlockedURI, &r.Disposition, &r.SourceFile, &r.Sample} {
		*s = sanitiseReportString(*s)
	}
	return r
}

// sanitiseReportString drops invalid UTF-8 and every control (Cc), format
// (Cf: bidi overrides, zero-width) and line/paragraph separator character,
// then cuts the result to CSPReportMaxString bytes on a rune boundary.
func sanitiseReportString(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeLogRune(r) {
			clean = false
			break
		}
	}
	if !clean {
		out := make([]rune, 0, len(s))
		for _, r := range s {
			if r != utf8.RuneError && !unsafeLogRune(r) {
				out = append(out, r)
			}
		}
		s = string(out)
	}
	if len(s) <= CSPReportMaxString {
		return s
	}
	cut := CSPReportMaxString
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

func unsafeLogRune(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

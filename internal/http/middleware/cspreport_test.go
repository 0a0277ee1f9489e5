package middleware_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

const legacyReport = `{"csp-report": {
	"document-uri": "https://app.example.com/account", "referrer": "",
	"violated-directive": "script-src-elem", "effective-directive": "script-src-elem",
	"original-policy": "default-src 'self'", "disposition": "enforce",
	"blocked-uri": "https://evil.example.net/x.js", "line-number": 12, "column-number": 4,
	"source-file": "https://app.example.com/static/app.js", "status-code": 200,
	"script-sample": "alert(1)"}}`

const reportingAPIBatch = `[
	{"type": "csp-violation", "age": 10, "url": "https://app.example.com/", "user_agent": "UA",
	 "body": {"documentURL": "https://app.example.com/", "effectiveDirective": "img-src",
	          "blockedURL": "https://tracker.example.net/p.gif", "originalPolicy": "img-src 'self'",
	          "disposition": "report", "sourceFile": "https://app.example.com/a.js",
	          "lineNumber": "7", "columnNumber": 3, "statusCode": 200, "referrer": "", "sample": ""}},
	{"type": "deprecation", "age": 1, "url": "https://app.example.com/", "body": {"id": "x"}},
	{"type": "csp-violation", "body": {"documentURL": "https://app.example.com/b", "effectiveDirective": "script-src-elem",
	 "blockedURL": "inline", "disposition": "enforce", "lineNumber": 1, "columnNumber": 1, "sample": "eval(x)"}}
]`

func TestParseCSPReports(t *testing.T) {
	legacy := middleware.CSPReport{
		DocumentURI: "https://app.example.com/account", ViolatedDirective: "script-src-elem",
		EffectiveDirective: "script-src-elem", BlockedURI: "https://evil.example.net/x.js", Disposition: "enforce",
		SourceFile: "https://app.example.com/static/app.js", LineNumber: 12, ColumnNumber: 4, Sample: "alert(1)",
	}
	batch := []middleware.CSPReport{
		{DocumentURI: "https://app.example.com/", ViolatedDirective: "img-src", EffectiveDirective: "img-src",
			BlockedURI: "https://tracker.example.net/p.gif", Disposition: "report",
			SourceFile: "https://app.example.com/a.js", LineNumber: 7, ColumnNumber: 3},
		{DocumentURI: "https://app.example.com/b", ViolatedDirective: "script-src-elem", EffectiveDirective: "script-src-elem",
			BlockedURI: "inline", Disposition: "enforce", LineNumber: 1, ColumnNumber: 1, Sample: "eval(x)"},
	}
	cases := []struct {
		name        string
		contentType string
		body        string
		want        []middleware.CSPReport
	}{
		{"a legacy report is parsed", "application/csp-report", legacyReport, []middleware.CSPReport{legacy}},
		{"a Reporting API batch keeps only CSP violations", "application/reports+json", reportingAPIBatch, batch},
		{"application/json may hold a legacy report", "application/json; charset=utf-8", legacyReport, []middleware.CSPReport{legacy}},
		{"application/json may hold a batch", "Application/JSON", reportingAPIBatch, batch},
		{"the effective directive is taken from an old violated-directive", "application/csp-report",
			`{"csp-report": {"violated-directive": "script-src 'self'", "line-number": "9"}}`,
			[]middleware.CSPReport{{ViolatedDirective: "script-src 'self'", EffectiveDirective: "script-src", LineNumber: 9}}},
		{"odd numbers become zero instead of failing the report", "application/csp-report",
			`{"csp-report": {"blocked-uri": "eval", "line-number": -3, "column-number": 1e99}}`,
			[]middleware.CSPReport{{BlockedURI: "eval"}}},
		{"null numbers become zero", "application/csp-report",
			`{"csp-report": {"blocked-uri": "eval", "line-number": null, "column-number": {"x": 1}}}`,
			[]middleware.CSPReport{{BlockedURI: "eval"}}},
		{"control, bidi and separator characters are removed", "application/csp-report",
			`{"csp-report": {"document-uri": "https://a/\n\r\u001b[31mINFO forged line\u202e\u2028\u0085x\u007f"}}`,
			[]middleware.CSPReport{{DocumentURI: "https://a/[31mINFO forged linex"}}},
		{"invalid UTF-8 is dropped", "application/csp-report",
			"{\"csp-report\": {\"blocked-uri\": \"a\xffb\"}}",
			[]middleware.CSPReport{{BlockedURI: "ab"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := middleware.ParseCSPReports(tc.contentType, []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseCSPReportsBoundsStringsAndCount(t *testing.T) {
	long := strings.Repeat("é", middleware.CSPReportMaxString) // 2 bytes each
	got, err := middleware.ParseCSPReports("application/csp-report", []byte(`{"csp-report": {"script-sample": "`+long+`"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s := got[0].Sample; len(s) > middleware.CSPReportMaxString || !utf8.ValidString(s) || len(s) < middleware.CSPReportMaxString-1 {
		t.Errorf("sample of %d bytes (valid UTF-8: %v), want at most %d", len(s), utf8.ValidString(s), middleware.CSPReportMaxString)
	}
	entry := `{"type":"csp-violation","body":{"blockedURL":"x"}}`
	many := "[" + strings.TrimSuffix(strings.Repeat(entry+",", 3*middleware.CSPReportMaxPerRequest), ",") + "]"
	got, err = middleware.ParseCSPReports("application/reports+json", []byte(many))
	if err != nil || len(got) != middleware.CSPReportMaxPerRequest {
		t.Errorf("got %d reports (%v), want %d", len(got), err, middleware.CSPReportMaxPerRequest)
	}
}

func TestParseCSPReportsRejects(t *testing.T) {
	cases := []struct {
		name        string
		contentType string
		body        string
		want        error
	}{
		{"a form body", "application/x-www-form-urlencoded", "a=b", middleware.ErrCSPReportContentType},
		{"text/plain", "text/plain", legacyReport, middleware.ErrCSPReportContentType},
		{"a missing content type", "", legacyReport, middleware.ErrCSPReportContentType},
		{"an unparseable content type", "application/json; =", legacyReport, middleware.ErrCSPReportContentType},
		{"an empty body", "application/csp-report", "  ", middleware.ErrCSPReportEmpty},
		{"truncated JSON", "application/csp-report", `{"csp-report": {`, middleware.ErrCSPReportMalformed},
		{"trailing garbage", "application/csp-report", legacyReport + "x", middleware.ErrCSPReportMalformed},
		{"a string where a field is", "application/csp-report", `{"csp-report": {"blocked-uri": 5}}`, middleware.ErrCSPReportMalformed},
		{"a scalar", "application/json", `42`, middleware.ErrCSPReportMalformed},
		{"an object without csp-report", "application/csp-report", `{"report": {}}`, middleware.ErrCSPReportEmpty},
		{"null", "application/json", `null`, middleware.ErrCSPReportEmpty},
		{"an empty batch", "application/reports+json", `[]`, middleware.ErrCSPReportEmpty},
		{"a batch of other report types", "application/reports+json", `[{"type":"deprecation","body":{}}]`, middleware.ErrCSPReportEmpty},
		{"a csp-violation without a body", "application/reports+json", `[{"type":"csp-violation"}]`, middleware.ErrCSPReportEmpty},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			got, err := middleware.ParseCSPReports(tc.contentType, []byte(tc.body))
			if !errors.Is(err, tc.want) {
				t.Errorf("got %+v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func FuzzParseCSPReports(f *testing.F) {
	for _, seed := range []struct{ ct, body string }{
		{"application/csp-report", legacyReport},
		{"application/reports+json", reportingAPIBatch},
		{"application/json", `{"csp-report": {"document-uri": "\u0000\u202e` + strings.Repeat("x", 600) + `"}}`},
		{"application/json", `[{"type":"csp-violation","body":{"lineNumber":"NaN"}}]`},
		{"text/plain", "x"},
	} {
		f.Add(seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		reports, err := middleware.ParseCSPReports(contentType, body)
		if err == nil && len(reports) == 0 {
			t.Fatal("no error and no report")
		}
		if len(reports) > middleware.CSPReportMaxPerRequest {
			t.Fatalf("%d reports", len(reports))
		}
		for _, r := range reports {
			for _, s := range []string{r.DocumentURI, r.ViolatedDirective, r.EffectiveDirective, r.BlockedURI, r.Disposition, r.SourceFile, r.Sample} {
				if len(s) > middleware.CSPReportMaxString || !utf8.ValidString(s) {
					t.Fatalf("string of %d bytes, valid UTF-8 %v: %q", len(s), utf8.ValidString(s), s)
				}
				for _, c := range s {
					if unicode.IsControl(c) || unicode.In(c, unicode.Cf, unicode.Zl, unicode.Zp) {
						t.Fatalf("control character %U in %q", c, s)
					}
				}
			}
			if r.LineNumber < 0 || r.ColumnNumber < 0 {
				t.Fatalf("negative position %d:%d", r.LineNumber, r.ColumnNumber)
			}
		}
	})
}

// chunkedBody hides its length, as a chunked request body does.
type chunkedBody struct{ io.Reader }

func TestCSPReportHandler(t *testing.T) {
	big := `{"csp-report": {"script-sample": "` + strings.Repeat("x", 2000) + `"}}`
	cases := []struct {
		name        string
		contentType string
		body        string
		chunked     bool
		wantStatus  int
		wantReports int
	}{
		{"a legacy report is recorded", "application/csp-report", legacyReport, false, http.StatusNoContent, 1},
		{"a Reporting API batch is recorded per report", "application/reports+json", reportingAPIBatch, false, http.StatusNoContent, 2},
		{"a report of exactly the limit is recorded", "application/csp-report", legacyReport + strings.Repeat(" ", 1024-len(legacyReport)), true, http.StatusNoContent, 1},
		{"a body over the limit by Content-Length is refused", "application/csp-report", big, false, http.StatusRequestEntityTooLarge, 0},
		{"a chunked body over the limit is refused", "application/csp-report", big, true, http.StatusRequestEntityTooLarge, 0},
		{"malformed JSON is refused", "application/csp-report", `{"csp-report":`, false, http.StatusBadRequest, 0},
		{"an unsupported content type is refused", "text/plain", legacyReport, false, http.StatusBadRequest, 0},
		{"a body without a report is refused", "application/reports+json", `[]`, false, http.StatusBadRequest, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []middleware.CSPReport
			type ctxKey struct{}
			e := echo.New()
			e.POST("/csp-report", middleware.CSPReportHandler(middleware.CSPReportConfig{
				MaxBytes: 1024,
				OnReport: func(ctx context.Context, r middleware.CSPReport) {
					if ctx.Value(ctxKey{}) != "request" {
						t.Error("OnReport did not get the request context")
					}
					got = append(got, r)
				},
			}))
			var body io.Reader = strings.NewReader(tc.body)
			if tc.chunked {
				body = chunkedBody{body}
			}
			req := httptest.NewRequest(http.MethodPost, "/csp-report", body)
			req = req.WithContext(context.WithValue(req.Context(), ctxKey{}, "request"))
			if tc.chunked {
				req.ContentLength = -1
			}
			req.Header.Set("Content-Type", tc.contentType)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tc.wantStatus || len(got) != tc.wantReports {
				t.Errorf("status %d with %d reports, want %d with %d (body %s)", rec.Code, len(got), tc.wantStatus, tc.wantReports, rec.Body)
			}
		})
	}
}

func TestCSPReportHandlerDefaultsTo64KiB(t *testing.T) {
	calls := 0
	e := echo.New()
	e.POST("/csp-report", middleware.CSPReportHandler(middleware.CSPReportConfig{
		OnReport: func(context.Context, middleware.CSPReport) { calls++ },
	}))
	for _, tc := range []struct {
		size int
		want int
	}{{64 << 10, http.StatusNoContent}, {64<<10 + 1, http.StatusRequestEntityTooLarge}} {
		padding := strings.Repeat(" ", tc.size-len(legacyReport))
		req := httptest.NewRequest(http.MethodPost, "/csp-report", strings.NewReader(legacyReport+padding))
		req.Header.Set("Content-Type", "application/csp-report")
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("a %d-byte body got %d, want %d", tc.size, rec.Code, tc.want)
		}
	}
	if calls != 1 {
		t.Errorf("OnReport called %d times, want 1", calls)
	}
}

func TestCSPReportHandlerWithAnInvalidConfigPanicsAtConstruction(t *testing.T) {
	for name, cfg := range map[string]middleware.CSPReportConfig{
		"without OnReport":    {},
		"with negative bytes": {MaxBytes: -1, OnReport: func(context.Context, middleware.CSPReport) {}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			middleware.CSPReportHandler(cfg)
		})
	}
}

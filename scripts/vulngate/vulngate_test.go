package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Sample govulncheck -json streams, shaped like govulncheck v1.9.0's output
// (testdata/govulncheck-v1.9.0.json is a trimmed real one).

func cfg(goVersion, level string) string {
	return fmt.Sprintf(`{"config":{"protocol_version":"v1.0.0","scanner_name":"govulncheck","scanner_version":"v1.9.0",`+
		`"db":"file:///cache/vulndb","go_version":%q,"scan_level":%q,"scan_mode":"source"}}`, goVersion, level)
}

func vuln(id, summary string) string {
	return fmt.Sprintf(`{"osv":{"id":%q,"summary":%q,"affected":[]}}`, id, summary)
}

func fixedField(fixed string) string {
	if fixed == "" {
		return ""
	}
	return fmt.Sprintf(`"fixed_version":%q,`, fixed)
}

// calls is a symbol-level finding: our handler calls pkg.Do of module.
func calls(id, module, version, fixed, pkg string) string {
	return fmt.Sprintf(`{"finding":{"osv":%q,%s"trace":[`+
		`{"module":%q,"version":%q,"package":%q,"function":"Do"},`+
		`{"module":"github.com/rampart-dev/rampart","package":"github.com/rampart-dev/rampart/internal/http","function":"handleThing",`+
		`"position":{"filename":"internal/http/thing.go","offset":10,"line":42,"column":7}}]}}`,
		id, fixedField(fixed), module, version, pkg)
}

// imports is a package-level finding: the package is imported, the vulnerable code is not reached.
func imports(id, module, version, fixed, pkg string) string {
	return fmt.Sprintf(`{"finding":{"osv":%q,%s"trace":[{"module":%q,"version":%q,"package":%q}]}}`,
		id, fixedField(fixed), module, version, pkg)
}

const (
	echo4 = "github.com/labstack/echo/v4"
	xnet  = "golang.org/x/net"
)

func stream(msgs ...string) string { return strings.Join(msgs, "\n") + "\n" }

func TestGate(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		wantErr error // nil, errGateFailed, or errUnreadable for any other error
		want    []string
	}{
		{"a scan without findings passes",
			stream(cfg("go1.26.8", "symbol")), nil,
			[]string{"0 failing, 0 allowed, 0 warnings"}},
		{"a called vulnerability in a dependency with a fix fails and names the fix",
			stream(cfg("go1.26.8", "symbol"), vuln("GO-2026-0001", "Bad thing in x/net"),
				imports("GO-2026-0001", xnet, "v0.62.0", "v0.63.0", xnet+"/html"),
				calls("GO-2026-0001", xnet, "v0.62.0", "v0.63.0", xnet+"/html")),
			errGateFailed,
			[]string{"FAIL       GO-2026-0001 golang.org/x/net@v0.62.0: Bad thing in x/net",
				"call: internal/http/thing.go:42:7: http.handleThing calls html.Do",
				"upgrade golang.org/x/net to v0.63.0 or later", "1 failing"}},
		{"a called vulnerability in a dependency without a fix fails",
			stream(cfg("go1.26.8", "symbol"), vuln("GO-2026-0002", "Unfixed"),
				calls("GO-2026-0002", "example.com/lib", "v1.0.0", "", "example.com/lib")),
			errGateFailed,
			[]string{"FAIL", "GO-2026-0002", "no fixed version: stop calling it or replace the module"}},
		{"the two Echo v4 advisories are allowed and print their reason",
			stream(cfg("go1.26.8", "symbol"), vuln("GO-2026-6872", "XFF"), vuln("GO-2026-6875", "Proxy"),
				calls("GO-2026-6872", echo4, "v4.16.4", "", echo4), calls("GO-2026-6875", echo4, "v4.16.4", "", echo4+"/middleware")),
			nil,
			[]string{"ALLOWED    GO-2026-6872 github.com/labstack/echo/v4@v4.16.4: XFF",
				"client IP from a spoofable X-Forwarded-For by default",
				"ALLOWED    GO-2026-6875", "proxy/scheme/static handling trusting client headers",
				"e.IPExtractor is always our trusted-proxy extractor", "0 failing, 2 allowed"}},
		{"an allowed Echo advisory fails once a v4 release fixes it",
			stream(cfg("go1.26.8", "symbol"), calls("GO-2026-6872", echo4, "v4.16.4", "v4.17.0", echo4)),
			errGateFailed,
			[]string{"FAIL", "allowed only while unfixed, and v4.17.0 fixes it"}},
		{"an allowed ID in another module is not covered",
			stream(cfg("go1.26.8", "symbol"), calls("GO-2026-6872", "github.com/labstack/echo/v5", "v5.0.0", "v5.1.0", "github.com/labstack/echo/v5")),
			errGateFailed,
			[]string{"FAIL       GO-2026-6872 github.com/labstack/echo/v5@v5.0.0", "upgrade github.com/labstack/echo/v5 to v5.1.0"}},
		{"any other Echo v4 advisory fails",
			stream(cfg("go1.26.8", "symbol"), calls("GO-2026-7000", echo4, "v4.16.4", "", echo4)),
			errGateFailed,
			[]string{"FAIL       GO-2026-7000"}},
		{"a standard-library call fixed by a newer patch release is a warning naming it",
			stream(cfg("go1.26.8", "symbol"), vuln("GO-2026-6603", "HTTP/2 trailers"),
				calls("GO-2026-6603", "stdlib", "v1.26.8", "v1.26.9", "net/http"),
				calls("GO-2026-6809", "stdlib", "v1.26.8", "v1.26.10", "crypto/x509")),
			nil,
			[]string{"WARN       GO-2026-6603 stdlib go1.26.8: HTTP/2 trailers", "fixed in go1.26.9",
				"0 failing, 0 allowed, 2 warnings", "update this toolchain to go1.26.10 or later"}},
		{"a standard-library call fixed only in a newer minor release fails",
			stream(cfg("go1.26.8", "symbol"), calls("GO-2026-0003", "stdlib", "v1.26.8", "v1.27.0", "net/http")),
			errGateFailed,
			[]string{"FAIL", "fixed only in go1.27.0, not a patch release of go1.26.8"}},
		{"a standard-library call with no fix fails",
			stream(cfg("go1.26.8", "symbol"), calls("GO-2026-0004", "stdlib", "v1.26.8", "", "net/http")),
			errGateFailed,
			[]string{"FAIL", "no Go release fixes it yet"}},
		{"a release-candidate toolchain cannot be judged and fails",
			stream(cfg("go1.27rc1", "symbol"), calls("GO-2026-0005", "stdlib", "v1.27.0-rc.1", "v1.27.0", "net/http")),
			errGateFailed,
			[]string{"FAIL", "fixed only in go1.27.0"}},
		{"vulnerabilities imported or required but not called pass",
			stream(cfg("go1.26.8", "symbol"), vuln("GO-2026-0006", "Unreached"),
				imports("GO-2026-0006", xnet, "v0.62.0", "v0.63.0", xnet+"/html"),
				imports("GO-2026-0007", "stdlib", "v1.26.8", "v1.27.0", "html/template")),
			nil,
			[]string{"not called GO-2026-0006 golang.org/x/net@v0.62.0: Unreached", "fixed in v0.63.0",
				"not called GO-2026-0007 stdlib go1.26.8", "0 failing, 0 allowed, 0 warnings, 2 imported"}},
		{"a package-level scan is refused",
			stream(cfg("go1.26.8", "package"), imports("GO-2026-0001", xnet, "v0.62.0", "v0.63.0", xnet+"/html")),
			errUnreadable, nil},
		{"empty input is refused", "", errUnreadable, nil},
		{"text output instead of JSON is refused", "No vulnerabilities found.\n", errUnreadable, nil},
		{"an unknown protocol version is refused",
			strings.Replace(stream(cfg("go1.26.8", "symbol")), "v1.0.0", "v2.0.0", 1), errUnreadable, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run([]string{"vulngate"}, strings.NewReader(tc.input), &out)
			switch {
			case tc.wantErr == errUnreadable && (err == nil || errors.Is(err, errGateFailed)):
				t.Fatalf("run = %v, want an input error\n%s", err, out.String())
			case tc.wantErr != errUnreadable && !errors.Is(err, tc.wantErr):
				t.Fatalf("run = %v, want %v\n%s", err, tc.wantErr, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// errUnreadable stands for "any error other than errGateFailed" in TestGate.
var errUnreadable = errors.New("unreadable input")

func TestRealScan(t *testing.T) {
	f, err := os.Open("testdata/govulncheck-v1.9.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := readScan(f)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]kind{}
	for _, r := range evaluate(s, allowances()) {
		got[r.id] = r.kind
	}
	want := map[string]kind{
		"GO-2026-6872": kindAllowed, "GO-2026-6875": kindAllowed,
		"GO-2026-6603": kindWarn, "GO-2026-6809": kindWarn, "GO-2026-6599": kindUncalled,
	}
	for id, k := range want {
		if got[id] != k {
			t.Errorf("%s: %v, want %v", id, got[id], k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("verdicts %v, want %v", got, want)
	}
}

func TestPatchFix(t *testing.T) {
	tests := []struct {
		name             string
		goVersion, fixed string
		want             bool
	}{
		{"the next patch release is a patch fix", "go1.26.8", "v1.26.9", true},
		{"a toolchain with experiments is read by its first field", "go1.26.8 X:nocoverageredesign", "v1.26.10", true},
		{"the release in use is not a newer patch", "go1.26.8", "v1.26.8", false},
		{"the next minor release is not a patch fix", "go1.26.8", "v1.27.0", false},
		{"an older minor's patch is not a fix for this one", "go1.26.8", "v1.25.12", false},
		{"no fixed version is no patch fix", "go1.26.8", "", false},
		{"a devel toolchain cannot be judged", "devel go1.27-abcdef", "v1.26.9", false},
		{"a release candidate cannot be judged", "go1.27rc1", "v1.27.1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := patchFix(tc.goVersion, tc.fixed); got != tc.want {
				t.Errorf("patchFix(%q, %q) = %v, want %v", tc.goVersion, tc.fixed, got, tc.want)
			}
		})
	}
}

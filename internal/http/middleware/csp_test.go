package middleware_test

import (
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/http/middleware"
)

func TestDefaultCSPIsTheDocumentedPolicy(t *testing.T) {
	got, err := middleware.DefaultCSP().Build()
	if err != nil {
		t.Fatal(err)
	}
	if got != strictPolicy {
		t.Errorf("DefaultCSP() =\n%s\nwant\n%s", got, strictPolicy)
	}
	if middleware.DefaultCSP().String() != strictPolicy {
		t.Error("String() differs from Build()")
	}
}

func TestCSPBuilderBuildsValidPolicies(t *testing.T) {
	const sha = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
	cases := []struct {
		name string
		b    *middleware.CSPBuilder
		want string
	}{
		{"directives keep the order they were written in",
			middleware.NewCSP().ImgSrc("'self'").DefaultSrc("'none'"), "img-src 'self'; default-src 'none'"},
		{"setting a directive again replaces its sources in place",
			middleware.NewCSP().DefaultSrc("'self'").ImgSrc("'self'").DefaultSrc("'none'"), "default-src 'none'; img-src 'self'"},
		{"the nonce goes before 'strict-dynamic'",
			middleware.NewCSP().ScriptSrc("'self'", "'strict-dynamic'", "https:").WithNonce(), "script-src 'self' 'nonce-{nonce}' 'strict-dynamic' https:"},
		{"without 'strict-dynamic' the nonce goes last",
			middleware.NewCSP().ScriptSrc("'self'").WithNonce(), "script-src 'self' 'nonce-{nonce}'"},
		{"WithNonce may come before script-src",
			middleware.NewCSP().WithNonce().ScriptSrc("'none'").DefaultSrc("'self'"), "script-src 'none' 'nonce-{nonce}'; default-src 'self'"},
		{"upgrade-insecure-requests takes no value",
			middleware.NewCSP().DefaultSrc("'self'").UpgradeInsecureRequests(), "default-src 'self'; upgrade-insecure-requests"},
		{"any directive can be set by name",
			middleware.NewCSP().Directive("worker-src", "'self'", "blob:").Directive("sandbox", "allow-forms"), "worker-src 'self' blob:; sandbox allow-forms"},
		{"a hash source is accepted",
			middleware.NewCSP().ScriptSrc("'self'", sha), "script-src 'self' " + sha},
		{"host and scheme sources are accepted",
			middleware.NewCSP().ImgSrc("https://cdn.example.com:8443/img/", "*.example.org", "data:"), "img-src https://cdn.example.com:8443/img/ *.example.org data:"},
		{"'unsafe-inline' is fine for styles",
			middleware.NewCSP().StyleSrc("'self'", "'unsafe-inline'"), "style-src 'self' 'unsafe-inline'"},
		{"default-src may hold 'unsafe-inline' when script-src overrides it",
			middleware.NewCSP().DefaultSrc("'self'", "'unsafe-inline'").ScriptSrc("'self'"), "default-src 'self' 'unsafe-inline'; script-src 'self'"},
		{"Remove drops a directive",
			middleware.DefaultCSP().Remove("report-uri").Remove("report-to").Remove("no-such"),
			strings.TrimSuffix(strictPolicy, "; report-uri /csp-report; report-to csp")},
		{"the report directives are set",
			middleware.NewCSP().DefaultSrc("'self'").ReportURI("https://r.example.com/csp").ReportTo("csp-endpoint"),
			"default-src 'self'; report-uri https://r.example.com/csp; report-to csp-endpoint"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.b.Build()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestCSPBuilderRejectsInvalidPolicies(t *testing.T) {
	cases := []struct {
		name string
		b    *middleware.CSPBuilder
		want string
	}{
		{"an empty policy", middleware.NewCSP(), "no directives"},
		{"a directive name with capitals", middleware.NewCSP().Directive("Script-Src", "'self'"), "lower-case"},
		{"a directive name with a semicolon", middleware.NewCSP().Directive("img-src;script-src", "'self'"), "lower-case"},
		{"a value smuggling a directive", middleware.NewCSP().ImgSrc("'self'; script-src *"), "holds whitespace"},
		{"a value with a comma", middleware.NewCSP().ImgSrc("a.com,b.com"), "','"},
		{"a value with a newline", middleware.NewCSP().ImgSrc("a.com\nX-Evil:1"), "control"},
		{"a value with a non-ASCII character", middleware.NewCSP().ImgSrc("exämple.com"), "non-ASCII"},
		{"an empty value", middleware.NewCSP().ImgSrc(""), "empty value"},
		{"an unknown keyword", middleware.NewCSP().ImgSrc("'selfish'"), "not a known keyword"},
		{"a keyword without quotes around it properly", middleware.NewCSP().ImgSrc("self'"), "stray quote"},
		{"a fixed nonce", middleware.NewCSP().ScriptSrc("'nonce-abc'"), "use WithNonce"},
		{"a hash of the wrong length", middleware.NewCSP().ScriptSrc("'sha256-AAAA'"), "not a valid hash"},
		{"a hash that is not base64", middleware.NewCSP().ScriptSrc("'sha384-!!!!'"), "not a valid hash"},
		{"'unsafe-inline' in script-src", middleware.NewCSP().ScriptSrc("'self'", "'unsafe-inline'"), "script-src may not allow 'unsafe-inline'"},
		{"'unsafe-eval' in script-src", middleware.NewCSP().ScriptSrc("'self'", "'unsafe-eval'"), "script-src may not allow 'unsafe-eval'"},
		{"'unsafe-inline' in script-src-attr", middleware.NewCSP().Directive("script-src-attr", "'unsafe-inline'"), "script-src-attr may not allow"},
		{"'unsafe-inline' in default-src without script-src", middleware.NewCSP().DefaultSrc("'self'", "'unsafe-inline'"), "default-src may not allow"},
		{"'none' with other sources", middleware.NewCSP().ObjectSrc("'none'", "'self'"), "'none' cannot be combined"},
		{"a source directive without sources", middleware.NewCSP().ScriptSrc(), "needs at least one value"},
		{"an empty report-uri", middleware.NewCSP().DefaultSrc("'self'").Directive("report-uri"), "needs at least one value"},
		{"upgrade-insecure-requests with a value", middleware.NewCSP().Directive("upgrade-insecure-requests", "yes"), "takes no value"},
		{"WithNonce without script-src", middleware.NewCSP().DefaultSrc("'self'").WithNonce(), "WithNonce needs a script-src"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is rejected", func(t *testing.T) {
			got, err := tc.b.Build()
			if err == nil {
				t.Fatalf("accepted: %s", got)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if s := tc.b.String(); !strings.HasPrefix(s, "invalid policy: ") {
				t.Errorf("String() = %q, want the error", s)
			}
		})
	}
}

func TestCSPBuilderReportsEveryProblemAtOnce(t *testing.T) {
	_, err := middleware.NewCSP().ImgSrc("'bogus'").ScriptSrc("'unsafe-eval'").Build()
	if err == nil || !strings.Contains(err.Error(), "'bogus'") || !strings.Contains(err.Error(), "'unsafe-eval'") {
		t.Errorf("error %v should name both problems", err)
	}
}

func TestCSPBuilderCopiesTheValuesItIsGiven(t *testing.T) {
	sources := []string{"'self'"}
	b := middleware.NewCSP().ImgSrc(sources...)
	sources[0] = "'unsafe-inline'"
	if got := b.String(); got != "img-src 'self'" {
		t.Errorf("the caller's slice changed the policy: %s", got)
	}
}

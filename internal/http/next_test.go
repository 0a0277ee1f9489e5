package http

import "testing"

func TestSafeNextRefusesWhatIsNotALocalPath(t *testing.T) {
	t.Parallel()
	// Django's url_has_allowed_host_and_scheme bad list
	// (tests/utils_tests/test_http.py), then the encoded and mangled forms
	// that become one of them once something decodes or cleans the path.
	bad := []string{
		"http://example.com",
		"http:///example.com",
		"https://example.com",
		"ftp://example.com",
		`\\example.com`,
		`\\\example.com`,
		`/\\/example.com`,
		`\\//example.com`,
		`/\/example.com`,
		`\/example.com`,
		`/\example.com`,
		`http:/\//example.com`,
		`http:\/example.com`,
		`http:/\example.com`,
		`javascript:alert("XSS")`,
		"\njavascript:alert(x)",
		"java\nscript:alert(x)",
		"\x08//example.com",
		`http://otherserver\@example.com`,
		`http:\\testserver\@example.com`,
		`http://testserver\me:pass@example.com`,
		`http://testserver\@example.com`,
		`http:\\testserver\confirm\me@example.com`,
		"http:999999999",
		"ftp:9999999999",
		"\n",
		"http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
		"http://2001:cdba:0000:0000:0000:0000:3257:9652]/",

		"//example.com",
		"//example.com/account",
		"///example.com",
		"/%2F%2Fevil.com",
		"/%2fevil.com",
		"%2F%2Fevil.com",
		"/%5Cevil.com",
		"/%5cevil.com",
		"/%252F%252Fevil.com",
		"/%25252F%25252Fevil.com",
		"/%2525252F%2525252Fevil.com",
		"/\t/evil.com",
		"/%09/evil.com",
		"/\r\n/evil.com",
		"/%0d%0aSet-Cookie:x=y",
		"/\x00/evil.com",
		"/%00",
		"/\x7f",
		"/\xff\xfe",
		"/%ff",
		"/%zz",
		"/100%",
		"account",
		"./account",
		"../account",
		"view/?param=//example.com",
		"path/http:2222222222",
		" /account",
		"",
	}
	for _, next := range bad {
		if got := safeNext(next); got != "" {
			t.Errorf("safeNext(%q) = %q, want it refused", next, got)
		}
	}
}

func TestSafeNextKeepsLocalPaths(t *testing.T) {
	t.Parallel()
	good := []string{
		"/",
		"/account",
		"/account/sessions",
		"/admin?q=ada&page=2",
		"/view/?param=http://example.com",
		"/view/?param=https://example.com",
		"/view?param=ftp://example.com",
		"/url%20with%20spaces/",
		"/confirm/me@example.com",
		"/account#security",
		"/caf%C3%A9",
	}
	for _, next := range good {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
}

func TestSafeNextRefusesOverlongValues(t *testing.T) {
	t.Parallel()
	long := "/" + string(make([]byte, maxNextLen))
	if got := safeNext(long); got != "" {
		t.Errorf("a %d-byte next was kept", len(long))
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/account", "//evil.com", "/%2F%2Fevil.com", `/\evil`, "/a?b=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "" {
			return
		}
		if got != next {
			t.Fatalf("safeNext(%q) = %q: it must return its input or nothing", next, got)
		}
		if got[0] != '/' || len(got) > 1 && (got[1] == '/' || got[1] == '\\') {
			t.Fatalf("safeNext(%q) kept a value that is not a local path", next)
		}
	})
}

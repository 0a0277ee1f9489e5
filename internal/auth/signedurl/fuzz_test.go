package signedurl

import (
	"errors"
	"maps"
	"net/url"
	"testing"
	"time"
)

// FuzzVerify checks that Verify never panics, always answers with one of its
// three errors, and accepts a URL only when it carries exactly the path and
// parameters of a link that was signed: whatever the fuzzer does to a signed
// link (reordering, re-encoding, changing the host or fragment) must either
// keep that content or fail.
func FuzzVerify(f *testing.F) {
	s := mustNew(f, currentKey, previousKey)
	seeds := []string{
		"https://app.example/password/reset?token=abc123",
		"https://app.example/verify-email?token=t&user=42",
		"https://app.example/login/magic/verify?next=%2Fa+b&token=x",
		"https://app.example/a%2Fb?k=%26%3D",
		"https://app.example",
	}
	type content struct {
		path   string
		params map[string]string
	}
	var minted []content
	for _, raw := range seeds {
		for _, signer := range []*Signer{s, mustNew(f, previousKey)} {
			link := signer.Sign(mustParse(f, raw), expires)
			f.Add(link.String())
			params, err := parseQuery(link.RawQuery)
			if err != nil {
				f.Fatal(err)
			}
			minted = append(minted, content{canonicalPath(link), params})
		}
		f.Add(raw)
	}
	for _, junk := range []string{
		"", "?", "/?signature=&expires=", "/?signature=" + string(make([]byte, 43)) + "&expires=1",
		"/p?expires=1750000600&signature=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"/p;signature=x?expires=1", "/%zz?expires=1", "//?&&&=&=", "mailto:x?expires=1&signature=y",
	} {
		f.Add(junk)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		err = s.Verify(u, now)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrExpired) {
				t.Fatalf("Verify(%q) = %v, not one of the package's errors", raw, err)
			}
			return
		}
		params, err := parseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("Verify(%q) accepted a query parseQuery refuses: %v", raw, err)
		}
		got := content{canonicalPath(u), params}
		for _, m := range minted {
			if got.path == m.path && maps.Equal(got.params, m.params) {
				return
			}
		}
		t.Fatalf("Verify(%q) accepted path %q and parameters %v, which were never signed", raw, got.path, got.params)
	})
}

// FuzzSignVerify checks that any link Sign accepts verifies until its expiry
// and not after.
func FuzzSignVerify(f *testing.F) {
	s := mustNew(f, currentKey)
	f.Add("/password/reset", "token=abc&x=%2F", int64(600))
	f.Add("/a%2Fb/%C3%A9", "", int64(1))
	f.Add("", "a=&b", int64(1<<40))
	f.Fuzz(func(t *testing.T, path, query string, ttl int64) {
		if ttl <= 0 || ttl > 1<<40 {
			return
		}
		p, err := url.Parse(path)
		if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || p.Opaque != "" ||
			p.RawQuery != "" || p.Fragment != "" || p.Path != "" && p.Path[0] != '/' {
			return
		}
		if _, err := parseQuery(query); err != nil {
			return
		}
		// Links are built from APP_BASE_URL, so they always have a host.
		u := &url.URL{Scheme: "https", Host: "app.example", Path: p.Path, RawPath: p.RawPath, RawQuery: query}
		exp := time.Unix(now.Unix()+ttl, 0)
		link := s.Sign(u, exp)
		again, err := url.Parse(link.String())
		if err != nil {
			t.Fatalf("Sign(%q?%q) = %q, which does not parse: %v", path, query, link, err)
		}
		if err := s.Verify(again, now); err != nil {
			t.Fatalf("Verify(Sign(%q?%q)) = %v", path, query, err)
		}
		if err := s.Verify(again, exp); !errors.Is(err, ErrExpired) {
			t.Fatalf("Verify(Sign(%q?%q)) at its expiry = %v, want ErrExpired", path, query, err)
		}
	})
}

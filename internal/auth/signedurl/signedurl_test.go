package signedurl

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

var (
	currentKey  = bytes.Repeat([]byte{'c'}, MinKeySize)
	previousKey = bytes.Repeat([]byte{'p'}, MinKeySize)
	unknownKey  = bytes.Repeat([]byte{'u'}, MinKeySize)
	now         = time.Unix(1_750_000_000, 0)
	expires     = now.Add(10 * time.Minute)
)

func mustNew(t testing.TB, current []byte, previous ...[]byte) *Signer {
	t.Helper()
	s, err := New(current, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustParse(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("url.Parse(%q): %v", raw, err)
	}
	return u
}

// signed returns the signature and expiry a signer gives the link raw.
func signed(t testing.TB, s *Signer, raw string) (sig, exp string) {
	t.Helper()
	q := s.Sign(mustParse(t, raw), expires).Query()
	return q.Get(ParamSignature), q.Get(ParamExpires)
}

func TestVerify(t *testing.T) {
	s := mustNew(t, currentKey, previousKey)
	sig, exp := signed(t, s, "https://app.example/password/reset?token=abc123")
	oldSig, _ := signed(t, mustNew(t, previousKey), "https://app.example/password/reset?token=abc123")
	unknownSig, _ := signed(t, mustNew(t, unknownKey), "https://app.example/password/reset?token=abc123")
	spaceSig, _ := signed(t, s, "https://app.example/login/magic/verify?next=%2Fa+b")
	rootSig, _ := signed(t, s, "https://app.example?token=abc123")
	expNum, _ := strconv.ParseInt(exp, 10, 64)
	later := strconv.FormatInt(expNum+3600, 10)
	// The last character of an encoded 32-byte MAC carries 4 bits and 2
	// padding bits; flipping its lowest bit changes only padding.
	paddingSig := sig[:len(sig)-1] + string(sig[len(sig)-1]^1)
	otherSig := sig[:len(sig)-1] + map[bool]string{true: "A", false: "Q"}[sig[len(sig)-1] != 'A']

	const path = "https://app.example/password/reset"
	cases := []struct {
		name string
		link string
		now  time.Time
		want error
	}{
		{"a freshly signed link verifies", path + "?expires=" + exp + "&token=abc123&signature=" + sig, now, nil},
		{"a link verifies one second before it expires", path + "?expires=" + exp + "&token=abc123&signature=" + sig, expires.Add(-time.Second), nil},
		{"expired link is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + sig, expires, ErrExpired},
		{"a link long expired is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + sig, expires.Add(365 * 24 * time.Hour), ErrExpired},
		{"reordered parameters still verify", path + "?signature=" + sig + "&token=abc123&expires=" + exp, now, nil},
		{"another host and scheme still verify", "http://other.example:8080/password/reset?expires=" + exp + "&token=abc123&signature=" + sig, now, nil},
		{"a request URL without scheme or host verifies", "/password/reset?expires=" + exp + "&token=abc123&signature=" + sig, now, nil},
		{"a fragment does not matter", path + "?expires=" + exp + "&token=abc123&signature=" + sig + "#top", now, nil},
		{"an empty path is the root path", "https://app.example/?expires=" + exp + "&token=abc123&signature=" + rootSig, now, nil},
		{"a space spelled %20 instead of + still verifies", "https://app.example/login/magic/verify?next=%2Fa%20b&expires=" + exp + "&signature=" + spaceSig, now, nil},
		{"a link signed with the previous key verifies", path + "?expires=" + exp + "&token=abc123&signature=" + oldSig, now, nil},

		{"a link signed with an unknown key is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + unknownSig, now, ErrInvalidSignature},
		{"an expired link signed with an unknown key is rejected as forged", path + "?expires=" + exp + "&token=abc123&signature=" + unknownSig, expires, ErrInvalidSignature},
		{"an added parameter is rejected", path + "?expires=" + exp + "&token=abc123&utm_source=mail&signature=" + sig, now, ErrInvalidSignature},
		{"an added empty parameter is rejected", path + "?expires=" + exp + "&token=abc123&admin&signature=" + sig, now, ErrInvalidSignature},
		{"a removed parameter is rejected", path + "?expires=" + exp + "&signature=" + sig, now, ErrInvalidSignature},
		{"a changed parameter is rejected", path + "?expires=" + exp + "&token=abc124&signature=" + sig, now, ErrInvalidSignature},
		{"a parameter with a changed case is rejected", path + "?expires=" + exp + "&Token=abc123&signature=" + sig, now, ErrInvalidSignature},
		{"an extended expiry is rejected", path + "?expires=" + later + "&token=abc123&signature=" + sig, now, ErrInvalidSignature},
		{"a changed path is rejected", "https://app.example/login/magic/verify?expires=" + exp + "&token=abc123&signature=" + sig, now, ErrInvalidSignature},
		{"a trailing slash on the path is rejected", path + "/?expires=" + exp + "&token=abc123&signature=" + sig, now, ErrInvalidSignature},
		{"a percent-encoding trick in the path is rejected", "https://app.example/password/%72eset?expires=" + exp + "&token=abc123&signature=" + sig, now, ErrInvalidSignature},
		{"an encoded slash in the path is rejected", "https://app.example/password%2Freset?expires=" + exp + "&token=abc123&signature=" + sig, now, ErrInvalidSignature},
		{"a dot segment in the path is rejected", "https://app.example/password/x/../reset?expires=" + exp + "&token=abc123&signature=" + sig, now, ErrInvalidSignature},
		{"a parameter moved from the query into the path is rejected", path + "/abc123?expires=" + exp + "&signature=" + sig, now, ErrInvalidSignature},
		{"a signature changed in its last character is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + otherSig, now, ErrInvalidSignature},

		{"signature in the path instead of query is rejected", path + ";signature=" + sig + "?expires=" + exp + "&token=abc123", now, ErrMalformed},
		{"a missing signature is rejected", path + "?expires=" + exp + "&token=abc123", now, ErrMalformed},
		{"a missing expiry is rejected", path + "?token=abc123&signature=" + sig, now, ErrMalformed},
		{"a duplicated token parameter is rejected", path + "?expires=" + exp + "&token=abc123&token=evil&signature=" + sig, now, ErrMalformed},
		{"a duplicated token parameter spelled differently is rejected", path + "?expires=" + exp + "&token=abc123&%74oken=evil&signature=" + sig, now, ErrMalformed},
		{"a duplicated signature is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + sig + "&signature=" + sig, now, ErrMalformed},
		{"a duplicated expiry is rejected", path + "?expires=" + exp + "&expires=" + later + "&token=abc123&signature=" + sig, now, ErrMalformed},
		{"a semicolon separator is rejected", path + "?expires=" + exp + ";token=abc123&signature=" + sig, now, ErrMalformed},
		{"an invalid escape in the query is rejected", path + "?expires=" + exp + "&token=abc123&x=%zz&signature=" + sig, now, ErrMalformed},
		{"a non-numeric expiry is rejected", path + "?expires=soon&token=abc123&signature=" + sig, now, ErrMalformed},
		{"an empty expiry is rejected", path + "?expires=&token=abc123&signature=" + sig, now, ErrMalformed},
		{"a zero expiry is rejected", path + "?expires=0&token=abc123&signature=" + sig, now, ErrMalformed},
		{"a negative expiry is rejected", path + "?expires=-" + exp + "&token=abc123&signature=" + sig, now, ErrMalformed},
		{"an expiry with a plus sign is rejected", path + "?expires=%2B" + exp + "&token=abc123&signature=" + sig, now, ErrMalformed},
		{"an expiry with a leading zero is rejected", path + "?expires=0" + exp + "&token=abc123&signature=" + sig, now, ErrMalformed},
		{"an expiry beyond int64 is rejected", path + "?expires=9999999999999999999&token=abc123&signature=" + sig, now, ErrMalformed},
		{"an overlong expiry is rejected", path + "?expires=" + strings.Repeat("9", 40) + "&token=abc123&signature=" + sig, now, ErrMalformed},
		{"an empty signature is rejected", path + "?expires=" + exp + "&token=abc123&signature=", now, ErrMalformed},
		{"a truncated signature is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + sig[:42], now, ErrMalformed},
		{"an overlong signature is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + sig + strings.Repeat("A", 10_000), now, ErrMalformed},
		{"a padded signature is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + sig[:42] + "%3D", now, ErrMalformed},
		{"a signature with non-zero padding bits is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + paddingSig, now, ErrMalformed},
		{"a signature outside the base64url alphabet is rejected", path + "?expires=" + exp + "&token=abc123&signature=" + sig[:42] + "%2F", now, ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Verify(mustParse(t, tc.link), tc.now)
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify(%s) = %v, want %v", tc.link, err, tc.want)
			}
		})
	}
}

func TestVerifyWithoutAURL(t *testing.T) {
	s := mustNew(t, currentKey)
	if err := s.Verify(nil, now); !errors.Is(err, ErrMalformed) {
		t.Errorf("Verify(nil) = %v, want ErrMalformed", err)
	}
	if err := s.Verify(mustParse(t, "mailto:a@example.com?expires=1&signature=x"), now); !errors.Is(err, ErrMalformed) {
		t.Errorf("Verify(opaque URL) = %v, want ErrMalformed", err)
	}
}

func TestAfterRotationTheOldSignerNoLongerVerifiesNewLinks(t *testing.T) {
	rotated := mustNew(t, currentKey, previousKey)
	old := mustNew(t, previousKey)
	link := rotated.Sign(mustParse(t, "https://app.example/verify-email?token=t"), expires)
	if err := old.Verify(link, now); !errors.Is(err, ErrInvalidSignature) {
		t.Errorf("a signer holding only the previous key: Verify = %v, want ErrInvalidSignature", err)
	}
	if err := rotated.Verify(link, now); err != nil {
		t.Errorf("the rotated signer: Verify = %v, want nil", err)
	}
}

func TestSign(t *testing.T) {
	s := mustNew(t, currentKey)
	cases := []struct {
		name      string
		link      string
		wantQuery string // without the signature
	}{
		{"parameters are sorted and the signature comes last", "https://app.example/p?z=1&a=2", "a=2&expires=1750000600&z=1"},
		{"values are re-encoded canonically", "https://app.example/p?next=%2Fa%20b&x=%7e", "expires=1750000600&next=%2Fa+b&x=~"},
		{"an existing expiry and signature are replaced", "https://app.example/p?expires=5&signature=old&t=1", "expires=1750000600&t=1"},
		{"a link without a query gets one", "https://app.example/unlock", "expires=1750000600"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := mustParse(t, tc.link)
			before := in.String()
			out := s.Sign(in, expires)
			if in.String() != before {
				t.Errorf("Sign changed its input to %s", in)
			}
			query, sig, ok := strings.Cut(out.RawQuery, "&"+ParamSignature+"=")
			if !ok || query != tc.wantQuery || len(sig) != 43 {
				t.Errorf("Sign(%s).RawQuery = %q, want %q followed by a 43-character signature", tc.link, out.RawQuery, tc.wantQuery)
			}
			if out.Scheme != in.Scheme || out.Host != in.Host || out.Path != in.Path {
				t.Errorf("Sign(%s) = %s, changed more than the query", tc.link, out)
			}
			if err := s.Verify(out, now); err != nil {
				t.Errorf("Verify(Sign(%s)) = %v", tc.link, err)
			}
		})
	}
}

func TestSignPanicsOnALinkThatCouldNeverVerify(t *testing.T) {
	s := mustNew(t, currentKey)
	cases := []struct {
		name    string
		link    string
		expires time.Time
	}{
		{"a zero expiry panics", "https://app.example/p", time.Time{}},
		{"an expiry at the epoch panics", "https://app.example/p", time.Unix(0, 0)},
		{"a repeated parameter panics", "https://app.example/p?a=1&a=2", expires},
		{"a query that does not parse panics", "https://app.example/p?a=%zz", expires},
		{"an opaque URL panics", "mailto:a@example.com", expires},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Sign(%s, %v) did not panic", tc.link, tc.expires)
				}
			}()
			s.Sign(mustParse(t, tc.link), tc.expires)
		})
	}
}

func TestNew(t *testing.T) {
	cases := []struct {
		name     string
		current  []byte
		previous [][]byte
		wantErr  bool
	}{
		{"a 32-byte key is accepted", currentKey, nil, false},
		{"a longer key is accepted", bytes.Repeat([]byte{1}, 64), nil, false},
		{"a 31-byte key is refused", currentKey[:31], nil, true},
		{"no key is refused", nil, nil, true},
		{"a short previous key is refused", currentKey, [][]byte{previousKey, previousKey[:16]}, true},
		{"several previous keys are accepted", currentKey, [][]byte{previousKey, unknownKey}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.current, tc.previous...)
			if (err != nil) != tc.wantErr {
				t.Errorf("New = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

func TestNewCopiesItsKeys(t *testing.T) {
	key := bytes.Clone(currentKey)
	s := mustNew(t, key)
	link := s.Sign(mustParse(t, "https://app.example/p"), expires)
	key[0] ^= 0xff
	if err := s.Verify(link, now); err != nil {
		t.Errorf("changing the caller's key slice after New broke verification: %v", err)
	}
}

func BenchmarkSign(b *testing.B) {
	s := mustNew(b, currentKey)
	token, _ := NewToken()
	u := mustParse(b, "https://app.example/password/reset?token="+token)
	b.ReportAllocs()
	for b.Loop() {
		s.Sign(u, expires)
	}
}

func BenchmarkVerify(b *testing.B) {
	s := mustNew(b, currentKey, previousKey)
	token, _ := NewToken()
	// Signed with the previous key: the slower path, trying both keys.
	u := mustNew(b, previousKey).Sign(mustParse(b, "https://app.example/password/reset?token="+token), expires)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Verify(u, now); err != nil {
			b.Fatal(err)
		}
	}
}

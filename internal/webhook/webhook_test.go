package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

var (
	now            = time.Unix(1_750_000_000, 0).UTC()
	currentSecret  = []byte("whsec_current0000000000000000000")
	previousSecret = []byte("whsec_previous000000000000000000")
	unknownSecret  = []byte("whsec_unknown0000000000000000000")
	bothSecrets    = [][]byte{currentSecret, previousSecret}
)

// clock returns a func reporting t, the injected clock of the tests.
func clock(t time.Time) func() time.Time {
	return func() time.Time { return t }
}

// with returns a copy of h with each name set to its value, or deleted when
// the value is "".
func with(h http.Header, kv ...string) http.Header {
	out := http.Header{}
	for k, v := range h {
		out[k] = append([]string(nil), v...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

// repeated returns a copy of h with a second value added under name.
func repeated(h http.Header, name, value string) http.Header {
	out := h.Clone()
	out.Add(name, value)
	return out
}

// hmacOf is an independent HMAC-SHA256 of the concatenated parts, written
// here rather than borrowed from the package.
func hmacOf(key []byte, parts ...string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.Join(parts, "")))
	return m.Sum(nil)
}

// tampered returns body with its byte at i flipped.
func tampered(body []byte, i int) []byte {
	out := append([]byte(nil), body...)
	out[i] ^= 1
	return out
}

// verifyCase is one row of a Verify table.
type verifyCase struct {
	name    string
	h       http.Header
	body    []byte
	secrets [][]byte  // bothSecrets when nil
	at      time.Time // now when zero
	want    error
	wantD   Delivery // checked when want is nil
}

// runVerify runs cases against the verifier newV makes for each case's clock.
func runVerify(t *testing.T, newV func(func() time.Time) Verifier, cases []verifyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			at, secrets := tc.at, tc.secrets
			if at.IsZero() {
				at = now
			}
			if secrets == nil {
				secrets = bothSecrets
			}
			d, err := newV(clock(at)).Verify(tc.h, tc.body, secrets)
			if tc.want == nil && err != nil {
				t.Fatalf("Verify = %v, want success", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if tc.want != nil && d != (Delivery{}) {
				t.Errorf("Verify failed but returned %+v", d)
			}
			if tc.want == nil && d != tc.wantD {
				t.Errorf("Verify = %+v, want %+v", d, tc.wantD)
			}
		})
	}
}

// isSentinel reports whether err matches one of the five refusals.
func isSentinel(err error) bool {
	for _, s := range []error{ErrMissingSignature, ErrMalformedSignature, ErrBadSignature, ErrStale, ErrMissingDeliveryID} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func TestForProvider(t *testing.T) {
	cases := []struct {
		name     string
		provider string
		now      func() time.Time
		want     Verifier
		wantErr  error
	}{
		{"github needs no clock", ProviderGitHub, nil, &GitHub{}, nil},
		{"stripe is the Stripe verifier", ProviderStripe, clock(now), &Stripe{}, nil},
		{"slack is the Slack verifier", ProviderSlack, clock(now), &Slack{}, nil},
		{"standard is the Standard Webhooks verifier", ProviderStandard, clock(now), &Standard{}, nil},
		{"an unknown name is refused", "gitlab", clock(now), nil, ErrUnknownProvider},
		{"names are case-sensitive", "GitHub", clock(now), nil, ErrUnknownProvider},
		{"an empty name is refused", "", clock(now), nil, ErrUnknownProvider},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := ForProvider(tc.provider, tc.now)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("ForProvider(%q) error = %v, want %v", tc.provider, err, tc.wantErr)
			}
			if tc.want == nil {
				return
			}
			if got, want := typeName(v), typeName(tc.want); got != want {
				t.Errorf("ForProvider(%q) = %s, want %s", tc.provider, got, want)
			}
		})
	}
	for _, p := range []string{ProviderStripe, ProviderSlack, ProviderStandard} {
		if _, err := ForProvider(p, nil); err == nil {
			t.Errorf("ForProvider(%q, nil) succeeded, want an error for the missing clock", p)
		}
	}
}

func typeName(v Verifier) string {
	switch v.(type) {
	case *GitHub:
		return "GitHub"
	case *Stripe:
		return "Stripe"
	case *Slack:
		return "Slack"
	case *Standard:
		return "Standard"
	default:
		return "other"
	}
}

func TestConstructorsPanicWithoutAClock(t *testing.T) {
	for name, f := range map[string]func(){
		"NewStripe":   func() { NewStripe(nil) },
		"NewSlack":    func() { NewSlack(nil) },
		"NewStandard": func() { NewStandard(nil) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(nil) did not panic", name)
				}
			}()
			f()
		})
	}
}

// TestEmptySecretsNeverMatch checks that an endpoint configured without a
// secret, or with an empty one, refuses a request "signed" with the empty
// key, which anyone can compute.
func TestEmptySecretsNeverMatch(t *testing.T) {
	body := []byte(`{"id":"evt_1","type":"x"}`)
	cases := []struct {
		name string
		v    Verifier
		h    http.Header
	}{
		{"github", NewGitHub(), SignGitHub(nil, body, "d1", "push")},
		{"stripe", NewStripe(clock(now)), SignStripe(nil, body, now)},
		{"slack", NewSlack(clock(now)), SignSlack(nil, []byte(`{"event_id":"Ev1"}`), now)},
		{"standard", NewStandard(clock(now)), SignStandard(nil, body, "msg_1", now)},
	}
	for _, tc := range cases {
		for _, secrets := range [][][]byte{nil, {}, {nil}, {{}}} {
			b := body
			if tc.name == "slack" {
				b = []byte(`{"event_id":"Ev1"}`)
			}
			if _, err := tc.v.Verify(tc.h, b, secrets); !errors.Is(err, ErrBadSignature) {
				t.Errorf("%s: Verify with secrets %q = %v, want ErrBadSignature", tc.name, secrets, err)
			}
		}
	}
}

func TestPrintable(t *testing.T) {
	cases := []struct {
		name string
		s    string
		want bool
	}{
		{"a GUID is printable", "72d3162e-cc78-11e3-81ab-4c9367dc0958", true},
		{"the longest id is printable", strings.Repeat("a", MaxIDLen), true},
		{"an id one byte too long is not", strings.Repeat("a", MaxIDLen+1), false},
		{"an empty id is not", "", false},
		{"a space is not", "a b", false},
		{"a NUL byte is not", "a\x00", false},
		{"a newline is not", "a\n", false},
		{"DEL is not", "a\x7f", false},
		{"non-ASCII is not", "é", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := printable(tc.s); got != tc.want {
				t.Errorf("printable(%q) = %v, want %v", tc.s, got, tc.want)
			}
		})
	}
}

package webhook

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	body := []byte(`{"id":"evt_1","event_id":"Ev1"}`)
	cases := []struct {
		provider string
		format   *regexp.Regexp
		keyLen   int
		sign     func(key []byte) (Verifier, http.Header)
	}{
		{ProviderGitHub, regexp.MustCompile(`^[0-9a-f]{64}$`), 64, func(k []byte) (Verifier, http.Header) {
			return NewGitHub(), SignGitHub(k, body, "d", "")
		}},
		{ProviderSlack, regexp.MustCompile(`^[0-9a-f]{32}$`), 32, func(k []byte) (Verifier, http.Header) {
			return NewSlack(clock(now)), SignSlack(k, body, now)
		}},
		{ProviderStripe, regexp.MustCompile(`^whsec_[A-Za-z0-9]{32}$`), 38, func(k []byte) (Verifier, http.Header) {
			return NewStripe(clock(now)), SignStripe(k, body, now)
		}},
		{ProviderStandard, regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=$`), 32, func(k []byte) (Verifier, http.Header) {
			return NewStandard(clock(now)), SignStandard(k, body, "msg_1", now)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.provider+" secrets have the provider's format and verify", func(t *testing.T) {
			s1, err := NewSecret(tc.provider)
			if err != nil {
				t.Fatal(err)
			}
			s2, _ := NewSecret(tc.provider)
			if !tc.format.MatchString(s1) || s1 == s2 {
				t.Errorf("NewSecret(%q) = %q then %q, want two different secrets matching %s", tc.provider, s1, s2, tc.format)
			}
			key, err := ParseSecret(tc.provider, s1)
			if err != nil || len(key) != tc.keyLen {
				t.Fatalf("ParseSecret(NewSecret(%q)) = %d bytes, %v; want %d bytes", tc.provider, len(key), err, tc.keyLen)
			}
			v, h := tc.sign(key)
			if _, err := v.Verify(h, body, [][]byte{key}); err != nil {
				t.Errorf("Verify with a fresh %s secret = %v", tc.provider, err)
			}
		})
	}
	if _, err := NewSecret("gitlab"); !errors.Is(err, ErrUnknownProvider) {
		t.Errorf("NewSecret(gitlab) = %v, want ErrUnknownProvider", err)
	}
}

func TestRandomAlphanumericsUsesEveryCharacter(t *testing.T) {
	seen := map[rune]bool{}
	for range 200 {
		for _, r := range randomAlphanumerics(32) {
			seen[r] = true
		}
	}
	if len(seen) != len(alphanumerics) {
		t.Errorf("6400 random characters used %d of the %d alphanumerics", len(seen), len(alphanumerics))
	}
}

func TestParseSecret(t *testing.T) {
	// The spec's secret, decoded by hand (Python's base64.b64decode).
	specKey, _ := hex.DecodeString("31f290f6bf06298aab4f08d43c3f082cf648a362da2da4b0")
	cases := []struct {
		name     string
		provider string
		secret   string
		want     []byte // nil: an error is expected
	}{
		{"a github secret is its bytes", ProviderGitHub, "It's a Secret to Everybody", []byte("It's a Secret to Everybody")},
		{"a github secret is not trimmed", ProviderGitHub, " s ", []byte(" s ")},
		{"a slack secret is its bytes", ProviderSlack, "8f742231b10e8888abcd99yyyzzz85a5", []byte("8f742231b10e8888abcd99yyyzzz85a5")},
		{"a stripe secret keeps its prefix", ProviderStripe, "whsec_abc", []byte("whsec_abc")},
		{"a standard secret is base64-decoded after its prefix", ProviderStandard, specSecret, specKey},
		{"a standard secret without its prefix is accepted", ProviderStandard, strings.TrimPrefix(specSecret, "whsec_"), specKey},

		{"an empty github secret is refused", ProviderGitHub, "", nil},
		{"an overlong slack secret is refused", ProviderSlack, strings.Repeat("a", MaxSecretLen+1), nil},
		{"a stripe API key is refused", ProviderStripe, "sk_live_abc", nil},
		{"a bare stripe prefix is refused", ProviderStripe, "whsec_", nil},
		{"a standard secret that is not base64 is refused", ProviderStandard, "whsec_not base64!", nil},
		{"a standard secret of 64 bytes is accepted", ProviderStandard, "whsec_" + strings.Repeat("AAAA", 21) + "AA==", make([]byte, 64)},
		{"a standard secret of 16 bytes is refused", ProviderStandard, "whsec_AAAAAAAAAAAAAAAAAAAAAA==", nil},
		{"a standard secret of 65 bytes is refused", ProviderStandard, "whsec_" + strings.Repeat("AAAA", 21) + "AAA=", nil},
		{"a standard secret in URL base64 is refused", ProviderStandard, "whsec_" + strings.Repeat("_", 32), nil},
		{"an unknown provider is refused", "gitlab", "s", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseSecret(tc.provider, tc.secret)
			if tc.want == nil {
				if err == nil {
					t.Fatalf("ParseSecret(%q, %q) = %x, want an error", tc.provider, tc.secret, got)
				}
				if len(tc.secret) >= 8 && strings.Contains(err.Error(), tc.secret) {
					t.Errorf("ParseSecret error %q quotes the secret", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Errorf("ParseSecret(%q, %q) = %x, %v; want %x", tc.provider, tc.secret, got, err, tc.want)
			}
		})
	}
	if _, err := ParseSecret("gitlab", "s"); !errors.Is(err, ErrUnknownProvider) {
		t.Errorf("ParseSecret(gitlab) = %v, want ErrUnknownProvider", err)
	}
}

package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// secretPrefix starts Stripe and Standard Webhooks secrets.
const secretPrefix = "whsec_"

// Sizes of the secrets NewSecret makes, and of the keys ParseSecret accepts.
const (
	// githubSecretBytes: GitHub lets the user choose; 256 random bits as hex.
	githubSecretBytes = 32
	// slackSecretBytes: Slack's signing secrets are 32 hex digits.
	slackSecretBytes = 16
	// stripeSecretChars: Stripe's are "whsec_" and 32 alphanumerics.
	stripeSecretChars = 32
	// standardSecretBytes: the spec asks for 24 to 64 bytes; Svix uses 24.
	standardSecretBytes = 32
	minStandardKey      = 24
	maxStandardKey      = 64
)

// MaxSecretLen bounds the text ParseSecret accepts, in bytes.
const MaxSecretLen = 1024

// alphanumerics are the characters of a Stripe-style secret.
const alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewSecret returns a fresh random secret in the usual text format of the
// provider, ready to show the user and store, and to pass to ParseSecret:
//
//	github    64 hex digits (256 bits)
//	slack     32 hex digits (128 bits), like Slack's signing secrets
//	stripe    "whsec_" and 32 alphanumerics (190 bits), like Stripe's
//	standard  "whsec_" and the standard base64 of 32 random bytes
//
// Stripe and Slack choose their secrets themselves; NewSecret only helps for
// tests and for senders that mimic them. It returns an error matching
// ErrUnknownProvider for any other name.
func NewSecret(provider string) (string, error) {
	switch provider {
	case ProviderGitHub:
		return hex.EncodeToString(randomBytes(githubSecretBytes)), nil
	case ProviderSlack:
		return hex.EncodeToString(randomBytes(slackSecretBytes)), nil
	case ProviderStripe:
		return secretPrefix + randomAlphanumerics(stripeSecretChars), nil
	case ProviderStandard:
		return secretPrefix + base64.StdEncoding.EncodeToString(randomBytes(standardSecretBytes)), nil
	default:
		return "", fmt.Errorf("%w: %q", ErrUnknownProvider, provider)
	}
}

// ParseSecret turns a provider's secret, as stored, into the HMAC key a
// Verifier takes. The text is used exactly as given: no trimming.
//
//   - standard: "whsec_" (optional, as in the official libraries) followed by
//     standard base64 of 24 to 64 bytes; the key is the decoded bytes.
//   - stripe: must start with "whsec_" (which catches a pasted API key);
//     the key is the whole string, prefix included, as Stripe uses it.
//   - github, slack: the key is the bytes of the string.
//
// Every secret must be non-empty and at most MaxSecretLen bytes. It returns an
// error matching ErrUnknownProvider for any other provider name, and an error
// that does not quote the secret when the text is unusable.
func ParseSecret(provider, s string) ([]byte, error) {
	switch provider {
	case ProviderGitHub, ProviderSlack, ProviderStripe, ProviderStandard:
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownProvider, provider)
	}
	if s == "" || len(s) > MaxSecretLen {
		return nil, fmt.Errorf("webhook: a %s secret must be 1 to %d bytes", provider, MaxSecretLen)
	}
	switch provider {
	case ProviderStripe:
		if !strings.HasPrefix(s, secretPrefix) || len(s) == len(secretPrefix) {
			return nil, fmt.Errorf("webhook: a stripe signing secret starts with %q", secretPrefix)
		}
	case ProviderStandard:
		key, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(s, secretPrefix))
		if err != nil {
			return nil, fmt.Errorf("webhook: a standard secret is %q followed by base64", secretPrefix)
		}
		if len(key) < minStandardKey || len(key) > maxStandardKey {
			return nil, fmt.Errorf("webhook: a standard secret decodes to %d bytes, want %d to %d", len(key), minStandardKey, maxStandardKey)
		}
		return key, nil
	}
	return []byte(s), nil
}

// randomBytes returns n bytes from crypto/rand, which never fails since Go
// 1.24 (it crashes the program if the system cannot supply randomness).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// randomAlphanumerics returns n characters drawn uniformly from
// alphanumerics. Bytes at or above the largest multiple of 62 are rejected,
// so that b % 62 has no bias.
func randomAlphanumerics(n int) string {
	const limit = 256 - 256%len(alphanumerics)
	out := make([]byte, 0, n)
	for len(out) < n {
		for _, b := range randomBytes(n) {
			if int(b) < limit && len(out) < n {
				out = append(out, alphanumerics[int(b)%len(alphanumerics)])
			}
		}
	}
	return string(out)
}

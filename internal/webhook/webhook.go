// Package webhook verifies and produces the signatures of inbound webhooks:
// GitHub, Stripe, Slack, Standard Webhooks, and two plain formats for custom
// senders (an HMAC-SHA256 of the body in hex or base64, in a header of the
// sender's choosing). It is pure: it stores nothing, serves nothing and reads
// no clock of its own; secrets and the current time are passed in.
//
// A Verifier checks one request, given its headers, its raw body exactly as
// received (never a re-encoded copy: one changed byte breaks the signature)
// and the endpoint's secrets, and returns the Delivery it describes. Every
// format is HMAC-SHA256; the MAC is computed once per secret and compared in
// constant time (hmac.Equal) with every signature the request carries, so a
// request signed by either side of a secret rotation is accepted.
//
// Checks run in a fixed order: the signing headers are parsed (ErrMissingSignature,
// ErrMalformedSignature), then the signature is verified (ErrBadSignature),
// then the timestamp (ErrStale), then the delivery id (ErrMissingDeliveryID).
// So ErrStale and ErrMissingDeliveryID only ever describe requests that the
// secret's holder really signed, and a forged request is ErrBadSignature
// whatever its timestamp says. All five mean "answer 401 and store nothing".
//
// Formats with a timestamp (Stripe, Slack, Standard Webhooks) refuse one more
// than Tolerance away from now, in either direction: too old is a replay, too
// far ahead would be a replay waiting to happen. GitHub and the plain formats
// sign no timestamp, so a captured request can be replayed at any time; the
// delivery id lets the caller store and process each delivery once, which
// makes an exact replay harmless.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strconv"
	"time"
)

// Delivery is what a verified request says about itself.
type Delivery struct {
	// ID identifies the delivery for deduplication: the provider sends the
	// same ID again when it retries. After a nil error it is 1 to MaxIDLen
	// printable ASCII characters, except for a Slack challenge (Challenge
	// set, ID empty).
	ID string
	// EventType is the provider's name for the event ("push",
	// "invoice.paid", "app_mention"), or "" when the request names none (or
	// names one that is not 1 to MaxIDLen printable ASCII characters).
	EventType string
	// Timestamp is the signed send time, or the zero time for formats that
	// sign none (GitHub, plain).
	Timestamp time.Time
	// Challenge is set only by Slack, for its url_verification request:
	// answer 200 with this value as the body (or as {"challenge": value})
	// and do not store or queue anything. See Slack.
	Challenge string
}

// Verifier checks the signature of one inbound request.
//
// Verify returns the Delivery of a request whose body and signed headers were
// signed with one of secrets, or an error matching one of ErrMissingSignature,
// ErrMalformedSignature, ErrBadSignature, ErrStale or ErrMissingDeliveryID
// under errors.Is. secrets are HMAC keys as ParseSecret returns them: the
// endpoint's current secret and, during a rotation, the previous one; any of
// them may match. Empty secrets are skipped (an empty HMAC key is no secret at
// all), so no secret, or only empty ones, refuses every request with
// ErrBadSignature. Implementations are safe for concurrent use.
type Verifier interface {
	Verify(h http.Header, body []byte, secrets [][]byte) (Delivery, error)
}

// The reasons a Verifier refuses a request; test for them with errors.Is.
// Errors may wrap them with a fixed reason, never quoting the request.
var (
	// ErrMissingSignature: the signature header is absent or empty, or
	// carries no signature in a version this package verifies.
	ErrMissingSignature = errors.New("webhook: missing signature")
	// ErrMalformedSignature: the signing headers are present but not shaped
	// as the format requires (bad encoding or length, a missing or invalid
	// timestamp or id header, a repeated header, a header longer than
	// MaxHeaderLen, more than MaxSignatures signatures).
	ErrMalformedSignature = errors.New("webhook: malformed signature")
	// ErrBadSignature: no signature matches any of the secrets.
	ErrBadSignature = errors.New("webhook: signature does not match")
	// ErrStale: the signature is valid but its timestamp is more than
	// Tolerance before or after now.
	ErrStale = errors.New("webhook: timestamp outside the tolerance")
	// ErrMissingDeliveryID: the request is well signed and fresh but carries
	// no usable delivery id, so it could not be deduplicated.
	ErrMissingDeliveryID = errors.New("webhook: missing delivery id")
)

// ErrUnknownProvider is returned (wrapped) by ForProvider, NewSecret and
// ParseSecret for a name other than the Provider constants.
var ErrUnknownProvider = errors.New("webhook: unknown provider")

// Tolerance is how far a signed timestamp may be from now, in either
// direction: 300 s, what Stripe, Slack and Standard Webhooks recommend.
// Exactly Tolerance away is accepted.
const Tolerance = 300 * time.Second

// Bounds on untrusted input, checked before any decoding.
const (
	// MaxHeaderLen is the longest signature header accepted, in bytes. Real
	// headers are under 1 KiB even with several signatures.
	MaxHeaderLen = 4096
	// MaxSignatures is the most signatures (of any version) one header may
	// list. Providers send one or two, a few more during rotations.
	MaxSignatures = 16
	// MaxIDLen bounds delivery ids and event types, in bytes.
	MaxIDLen = 255
	// maxUnixDigits: int64 Unix seconds have at most 19 digits.
	maxUnixDigits = 19
	// macSize is the length of an HMAC-SHA256 in bytes.
	macSize = sha256.Size
)

// The provider names ForProvider, NewSecret and ParseSecret accept.
const (
	ProviderGitHub   = "github"
	ProviderStripe   = "stripe"
	ProviderSlack    = "slack"
	ProviderStandard = "standard"
)

// ForProvider returns the Verifier for a provider name (ProviderGitHub,
// ProviderStripe, ProviderSlack or ProviderStandard), reading the time from
// now. It returns an error matching ErrUnknownProvider for any other name, and
// an error if now is nil (GitHub, which signs no timestamp, does not need it).
// The plain formats need configuration: see HexSHA256 and Base64SHA256.
func ForProvider(name string, now func() time.Time) (Verifier, error) {
	switch name {
	case ProviderGitHub:
		return NewGitHub(), nil
	case ProviderStripe, ProviderSlack, ProviderStandard:
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownProvider, name)
	}
	if now == nil {
		return nil, fmt.Errorf("webhook: ForProvider(%q) without a clock", name)
	}
	switch name {
	case ProviderStripe:
		return NewStripe(now), nil
	case ProviderSlack:
		return NewSlack(now), nil
	default:
		return NewStandard(now), nil
	}
}

// malformed wraps ErrMalformedSignature with a fixed reason.
func malformed(reason string) error {
	return fmt.Errorf("%w: %s", ErrMalformedSignature, reason)
}

// noDeliveryID wraps ErrMissingDeliveryID with a fixed reason.
func noDeliveryID(reason string) error {
	return fmt.Errorf("%w: %s", ErrMissingDeliveryID, reason)
}

// header returns the single value of the header name, "" when it is absent.
// A header sent more than once is refused: which copy was meant is
// ambiguous, and proxies disagree on how to join them.
func header(h http.Header, name string) (string, error) {
	vs := h.Values(name)
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return vs[0], nil
	default:
		return "", malformed("a signing header is repeated")
	}
}

// signatureHeader is header for the signature itself: absent or empty is
// ErrMissingSignature, over MaxHeaderLen is malformed.
func signatureHeader(h http.Header, name string) (string, error) {
	v, err := header(h, name)
	if err != nil {
		return "", err
	}
	if v == "" {
		return "", ErrMissingSignature
	}
	if len(v) > MaxHeaderLen {
		return "", malformed("the signature header is too long")
	}
	return v, nil
}

// parseUnix accepts only the canonical spelling of a positive integer of
// Unix seconds: digits, no sign, no leading zero, at most 19 digits.
func parseUnix(s string) (int64, error) {
	if s == "" || len(s) > maxUnixDigits || s[0] == '0' {
		return 0, malformed("the timestamp is not a positive integer")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, malformed("the timestamp is not a positive integer")
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, malformed("the timestamp is out of range")
	}
	return n, nil
}

// fresh returns the timestamp ts as a UTC time, or ErrStale when it is more
// than Tolerance from now. time.Time.Sub saturates, so an absurd ts is stale
// rather than an overflow.
func fresh(ts int64, now time.Time) (time.Time, error) {
	t := time.Unix(ts, 0).UTC()
	if age := now.Sub(t); age > Tolerance || age < -Tolerance {
		return time.Time{}, ErrStale
	}
	return t, nil
}

// anyMatch reports whether any candidate equals the MAC that sign computes
// under any non-empty secret. sign writes the signed content into the hash
// (hash.Hash.Write never returns an error).
// Every candidate is compared with every MAC, each in constant time.
func anyMatch(secrets, candidates [][]byte, sign func(hash.Hash)) bool {
	ok := false
	for _, key := range secrets {
		if len(key) == 0 {
			continue
		}
		m := hmac.New(sha256.New, key)
		sign(m)
		want := m.Sum(nil)
		for _, c := range candidates {
			if hmac.Equal(c, want) {
				ok = true
			}
		}
	}
	return ok
}

// mac is the HMAC-SHA256 under key of the concatenated parts.
func mac(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// printable reports whether s is 1 to MaxIDLen printable ASCII characters
// (no space, no control character), which is what every provider's ids and
// event types are, and what can be stored and logged without escaping.
func printable(s string) bool {
	if s == "" || len(s) > MaxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// eventType returns s if it is printable, else "".
func eventType(s string) string {
	if printable(s) {
		return s
	}
	return ""
}

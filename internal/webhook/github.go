package webhook

import (
	"encoding/hex"
	"hash"
	"net/http"
	"strings"
)

// The headers GitHub sends with a webhook delivery.
const (
	GitHubSignatureHeader = "X-Hub-Signature-256"
	GitHubDeliveryHeader  = "X-GitHub-Delivery"
	GitHubEventHeader     = "X-GitHub-Event"
)

// githubPrefix starts the value of GitHubSignatureHeader.
const githubPrefix = "sha256="

// GitHub verifies GitHub webhook deliveries:
//
//	X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>
//
// The Delivery's ID is the X-GitHub-Delivery header (a GUID) and its
// EventType the X-GitHub-Event header ("push", "ping"); Timestamp is zero.
//
// GitHub signs neither a timestamp nor the delivery id: a captured request
// stays valid forever, and whoever replays it can change X-GitHub-Delivery.
// Deduplicating on the id stops an exact replay, not one with a new id;
// processing should be idempotent on the body's own identifiers where that
// matters. The legacy SHA-1 header X-Hub-Signature is ignored.
type GitHub struct{}

// NewGitHub returns the GitHub verifier. It has no state.
func NewGitHub() *GitHub {
	return &GitHub{}
}

// Verify implements Verifier for GitHub.
func (*GitHub) Verify(h http.Header, body []byte, secrets [][]byte) (Delivery, error) {
	v, err := signatureHeader(h, GitHubSignatureHeader)
	if err != nil {
		return Delivery{}, err
	}
	sig, err := prefixedHex(v, githubPrefix)
	if err != nil {
		return Delivery{}, err
	}
	if !anyMatch(secrets, [][]byte{sig}, func(mac hash.Hash) { mac.Write(body) }) {
		return Delivery{}, ErrBadSignature
	}
	id, err := header(h, GitHubDeliveryHeader)
	if err != nil || !printable(id) {
		return Delivery{}, noDeliveryID("no single printable X-GitHub-Delivery header")
	}
	event, _ := header(h, GitHubEventHeader)
	return Delivery{ID: id, EventType: eventType(event)}, nil
}

// SignGitHub returns the headers GitHub would send with body under secret:
// X-Hub-Signature-256, and X-GitHub-Delivery and X-GitHub-Event when delivery
// and event are not empty. It is meant for tests and for senders that mimic
// GitHub.
func SignGitHub(secret, body []byte, delivery, event string) http.Header {
	h := http.Header{}
	h.Set(GitHubSignatureHeader, githubPrefix+hex.EncodeToString(mac(secret, body)))
	if delivery != "" {
		h.Set(GitHubDeliveryHeader, delivery)
	}
	if event != "" {
		h.Set(GitHubEventHeader, event)
	}
	return h
}

// prefixedHex decodes prefix followed by the 64 hex digits of an HMAC-SHA256
// (either case). The prefix is matched exactly.
func prefixedHex(v, prefix string) ([]byte, error) {
	rest, ok := strings.CutPrefix(v, prefix)
	if !ok {
		return nil, malformed("the signature lacks its prefix")
	}
	return decodeHex(rest)
}

// decodeHex decodes the 64 hex digits of an HMAC-SHA256.
func decodeHex(s string) ([]byte, error) {
	if len(s) != hex.EncodedLen(macSize) {
		return nil, malformed("the signature has the wrong length")
	}
	sig, err := hex.DecodeString(s)
	if err != nil {
		return nil, malformed("the signature is not hex")
	}
	return sig, nil
}

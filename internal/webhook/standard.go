package webhook

import (
	"encoding/base64"
	"encoding/json"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of the Standard Webhooks specification.
const (
	StandardIDHeader        = "Webhook-Id"
	StandardTimestampHeader = "Webhook-Timestamp"
	StandardSignatureHeader = "Webhook-Signature"
)

// standardVersion is the symmetric (HMAC-SHA256) signature version.
const standardVersion = "v1"

// Standard verifies Standard Webhooks (standardwebhooks.com, as sent by Svix
// and others):
//
//	webhook-id: <id>
//	webhook-timestamp: <unix>
//	webhook-signature: v1,<base64 HMAC-SHA256(key, id "." ts "." body)> [v1,<...> ...]
//
// The signature header is a space-separated list of version,signature pairs;
// every v1 signature is checked, other versions (v1a, asymmetric) are
// ignored but count towards MaxSignatures. A v1 signature must be the padded
// standard base64 of 32 bytes. The timestamp must be within Tolerance of now,
// in either direction.
//
// The key is the base64-decoded part of the "whsec_..." secret, as
// ParseSecret returns it. The Delivery's ID is webhook-id (signed), its
// EventType the body's JSON "type" when there is one, its Timestamp
// webhook-timestamp.
type Standard struct {
	now func() time.Time
}

// NewStandard returns the Standard Webhooks verifier, reading the time from
// now. It panics if now is nil.
func NewStandard(now func() time.Time) *Standard {
	if now == nil {
		panic("webhook: NewStandard with a nil clock")
	}
	return &Standard{now: now}
}

// Verify implements Verifier for Standard Webhooks.
func (s *Standard) Verify(h http.Header, body []byte, secrets [][]byte) (Delivery, error) {
	v, err := signatureHeader(h, StandardSignatureHeader)
	if err != nil {
		return Delivery{}, err
	}
	sigs, err := parseStandardSignatures(v)
	if err != nil {
		return Delivery{}, err
	}
	id, err := header(h, StandardIDHeader)
	if err != nil {
		return Delivery{}, err
	}
	if id == "" || len(id) > MaxHeaderLen {
		return Delivery{}, malformed("no webhook-id, or one too long")
	}
	rawTS, err := header(h, StandardTimestampHeader)
	if err != nil {
		return Delivery{}, err
	}
	ts, err := parseUnix(rawTS)
	if err != nil {
		return Delivery{}, err
	}
	if !anyMatch(secrets, sigs, func(mac hash.Hash) {
		mac.Write([]byte(id + "." + rawTS + "."))
		mac.Write(body)
	}) {
		return Delivery{}, ErrBadSignature
	}
	t, err := fresh(ts, s.now())
	if err != nil {
		return Delivery{}, err
	}
	if !printable(id) {
		return Delivery{}, noDeliveryID("webhook-id is not printable ASCII")
	}
	var event struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(body, &event)
	return Delivery{ID: id, EventType: eventType(event.Type), Timestamp: t}, nil
}

// parseStandardSignatures returns the well-formed v1 signatures of a
// webhook-signature value. Runs of white space separate entries. As in the
// reference libraries, an entry that cannot match (another version, no
// comma, a v1 signature that is not the padded base64 of 32 bytes) is
// passed over, so it cannot void a valid one beside it. It returns
// ErrMissingSignature when there is no v1 entry, ErrMalformedSignature when
// no v1 entry is well-formed or there are more than MaxSignatures entries.
func parseStandardSignatures(v string) ([][]byte, error) {
	var sigs [][]byte
	count, v1 := 0, 0
	for entry := range strings.FieldsSeq(v) {
		if count++; count > MaxSignatures {
			return nil, malformed("too many signatures")
		}
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != standardVersion {
			continue
		}
		if v1++; len(sig) != base64.StdEncoding.EncodedLen(macSize) {
			continue
		}
		b, err := base64.StdEncoding.Strict().DecodeString(sig)
		if err != nil || len(b) != macSize {
			continue
		}
		sigs = append(sigs, b)
	}
	switch {
	case v1 == 0:
		return nil, ErrMissingSignature
	case len(sigs) == 0:
		return nil, malformed("no entry is a v1 signature: the base64 of an HMAC-SHA256")
	}
	return sigs, nil
}

// SignStandard returns the webhook-id, webhook-timestamp and
// webhook-signature headers a Standard Webhooks sender would send with body,
// id and time t under key (the decoded secret, as ParseSecret returns it).
// It is meant for tests and for senders.
func SignStandard(key, body []byte, id string, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	sig := mac(key, []byte(id+"."+ts+"."), body)
	h := http.Header{}
	h.Set(StandardIDHeader, id)
	h.Set(StandardTimestampHeader, ts)
	h.Set(StandardSignatureHeader, standardVersion+","+base64.StdEncoding.EncodeToString(sig))
	return h
}

package webhook

import (
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"strconv"
	"time"
)

// The headers Slack signs its requests with.
const (
	SlackSignatureHeader = "X-Slack-Signature"
	SlackTimestampHeader = "X-Slack-Request-Timestamp"
)

// slackVersion is the only signature version Slack uses.
const slackVersion = "v0"

// SlackURLVerification is the EventType of Slack's url_verification request.
const SlackURLVerification = "url_verification"

// Slack verifies requests from Slack's Events API:
//
//	X-Slack-Request-Timestamp: <unix>
//	X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" ts ":" body)>
//
// The timestamp must be within Tolerance of now, in either direction.
//
// The Delivery's ID is the body's JSON "event_id", its EventType the inner
// "event.type" (app_mention) or, failing that, the outer "type"
// (app_rate_limited), its Timestamp the signed timestamp.
//
// When Slack checks a Request URL it sends a signed url_verification body,
// {"type": "url_verification", "challenge": "..."}, which has no event_id.
// For that body Verify returns a nil error and a Delivery whose Challenge is
// the challenge (when it is 1 to MaxIDLen printable ASCII characters, which
// makes it safe to echo), EventType is SlackURLVerification and ID is empty:
// the caller answers 200 with the challenge and stores nothing. So after a nil error,
// check Challenge before using ID.
//
// Slash commands and interactivity payloads are signed the same way but are
// form-encoded and carry no event_id: Verify checks their signature and
// timestamp, then returns ErrMissingDeliveryID.
type Slack struct {
	now func() time.Time
}

// NewSlack returns the Slack verifier, reading the time from now. It panics if
// now is nil.
func NewSlack(now func() time.Time) *Slack {
	if now == nil {
		panic("webhook: NewSlack with a nil clock")
	}
	return &Slack{now: now}
}

// Verify implements Verifier for Slack.
func (s *Slack) Verify(h http.Header, body []byte, secrets [][]byte) (Delivery, error) {
	v, err := signatureHeader(h, SlackSignatureHeader)
	if err != nil {
		return Delivery{}, err
	}
	sig, err := prefixedHex(v, slackVersion+"=")
	if err != nil {
		return Delivery{}, err
	}
	rawTS, err := header(h, SlackTimestampHeader)
	if err != nil {
		return Delivery{}, err
	}
	ts, err := parseUnix(rawTS)
	if err != nil {
		return Delivery{}, err
	}
	if !anyMatch(secrets, [][]byte{sig}, func(mac hash.Hash) {
		mac.Write([]byte(slackVersion + ":" + rawTS + ":"))
		mac.Write(body)
	}) {
		return Delivery{}, ErrBadSignature
	}
	t, err := fresh(ts, s.now())
	if err != nil {
		return Delivery{}, err
	}
	return slackDelivery(body, t)
}

// slackDelivery reads the delivery id, event type or challenge of a verified
// body.
func slackDelivery(body []byte, t time.Time) (Delivery, error) {
	var b struct {
		Type      string `json:"type"`
		EventID   string `json:"event_id"`
		Challenge string `json:"challenge"`
		Event     struct {
			Type string `json:"type"`
		} `json:"event"`
	}
	if json.Unmarshal(body, &b) != nil {
		return Delivery{}, noDeliveryID("the body is not a JSON event")
	}
	if b.Type == SlackURLVerification && printable(b.Challenge) {
		return Delivery{EventType: SlackURLVerification, Timestamp: t, Challenge: b.Challenge}, nil
	}
	if !printable(b.EventID) {
		return Delivery{}, noDeliveryID("the body has no printable event_id")
	}
	typ := b.Event.Type
	if typ == "" {
		typ = b.Type
	}
	return Delivery{ID: b.EventID, EventType: eventType(typ), Timestamp: t}, nil
}

// SignSlack returns the X-Slack-Signature and X-Slack-Request-Timestamp
// headers Slack would send with body under secret at time t. It is meant for
// tests.
func SignSlack(secret, body []byte, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	sig := mac(secret, []byte(slackVersion+":"+ts+":"), body)
	h := http.Header{}
	h.Set(SlackTimestampHeader, ts)
	h.Set(SlackSignatureHeader, slackVersion+"="+hex.EncodeToString(sig))
	return h
}

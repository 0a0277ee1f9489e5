package webhook

import (
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// StripeSignatureHeader is the header Stripe signs its events in.
const StripeSignatureHeader = "Stripe-Signature"

// Stripe verifies Stripe webhook events:
//
//	Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t "." body)>[,v1=...][,v0=...]
//
// Every v1 signature is checked (Stripe sends several while it rolls the
// endpoint's secret); v0 and unknown schemes are ignored but count towards
// MaxSignatures. The header must have exactly one t. The timestamp must be
// within Tolerance of now, in either direction.
//
// The Delivery's ID is the body's JSON "id" (evt_...), its EventType the
// body's "type" (invoice.paid), its Timestamp t. Both are signed. The secret
// is the whole "whsec_..." string, as ParseSecret returns it.
type Stripe struct {
	now func() time.Time
}

// NewStripe returns the Stripe verifier, reading the time from now. It panics
// if now is nil.
func NewStripe(now func() time.Time) *Stripe {
	if now == nil {
		panic("webhook: NewStripe with a nil clock")
	}
	return &Stripe{now: now}
}

// Verify implements Verifier for Stripe.
func (s *Stripe) Verify(h http.Header, body []byte, secrets [][]byte) (Delivery, error) {
	v, err := signatureHeader(h, StripeSignatureHeader)
	if err != nil {
		return Delivery{}, err
	}
	ts, sigs, err := parseStripeHeader(v)
	if err != nil {
		return Delivery{}, err
	}
	signed := strconv.FormatInt(ts, 10)
	if !anyMatch(secrets, sigs, func(mac hash.Hash) {
		mac.Write([]byte(signed + "."))
		mac.Write(body)
	}) {
		return Delivery{}, ErrBadSignature
	}
	t, err := fresh(ts, s.now())
	if err != nil {
		return Delivery{}, err
	}
	var event struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	}
	if json.Unmarshal(body, &event) != nil || !printable(event.ID) {
		return Delivery{}, noDeliveryID("the body has no printable JSON id")
	}
	return Delivery{ID: event.ID, EventType: eventType(event.Type), Timestamp: t}, nil
}

// parseStripeHeader splits a Stripe-Signature value into its timestamp and
// v1 signatures. Elements are comma-separated key=value pairs; spaces around
// an element are allowed. It returns ErrMissingSignature when there is no v1
// signature and ErrMalformedSignature for anything else amiss: a missing or
// repeated t, an element without "=", an empty element, a v1 that is not 64
// hex digits, more than MaxSignatures signatures of any scheme.
func parseStripeHeader(v string) (ts int64, sigs [][]byte, err error) {
	var rawTS string
	seenTS, count := false, 0
	for elem := range strings.SplitSeq(v, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(elem), "=")
		if !ok || key == "" {
			return 0, nil, malformed("an element is not key=value")
		}
		if key == "t" {
			if seenTS {
				return 0, nil, malformed("the timestamp is repeated")
			}
			seenTS, rawTS = true, val
			continue
		}
		if count++; count > MaxSignatures {
			return 0, nil, malformed("too many signatures")
		}
		if key != "v1" {
			continue
		}
		sig, err := decodeHex(val)
		if err != nil {
			return 0, nil, err
		}
		sigs = append(sigs, sig)
	}
	if !seenTS {
		return 0, nil, malformed("no timestamp")
	}
	if ts, err = parseUnix(rawTS); err != nil {
		return 0, nil, err
	}
	if len(sigs) == 0 {
		return 0, nil, ErrMissingSignature
	}
	return ts, sigs, nil
}

// SignStripe returns the Stripe-Signature header Stripe would send with body
// under secret (the whole "whsec_..." string as bytes) at time t, with one v1
// signature. It is meant for tests and for senders that mimic Stripe.
func SignStripe(secret, body []byte, t time.Time) http.Header {
	ts := strconv.FormatInt(t.Unix(), 10)
	sig := mac(secret, []byte(ts+"."), body)
	h := http.Header{}
	h.Set(StripeSignatureHeader, "t="+ts+",v1="+hex.EncodeToString(sig))
	return h
}

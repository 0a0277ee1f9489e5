package webhook

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"
)

const stripeBody = `{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","api_version":"2019-02-19","created":1686089970,"type":"invoice.paid","data":{"object":{"id":"in_1"}}}`

// stripeHeader builds a Stripe-Signature value from a timestamp and, for each
// secret, a v1 signature computed independently of the package.
func stripeHeader(ts time.Time, body string, secrets ...[]byte) string {
	t := strconv.FormatInt(ts.Unix(), 10)
	v := "t=" + t
	for _, s := range secrets {
		v += ",v1=" + hex.EncodeToString(hmacOf(s, t, ".", body))
	}
	return v
}

func TestStripeVerify(t *testing.T) {
	body := []byte(stripeBody)
	h := SignStripe(currentSecret, body, now)
	sig := h.Get(StripeSignatureHeader)
	ts := strconv.FormatInt(now.Unix(), 10)
	v1 := sig[len("t="+ts+",v1="):]
	want := Delivery{ID: "evt_1NG8Du2eZvKYlo2CUI79vXWy", EventType: "invoice.paid", Timestamp: now}
	hv := func(v string) verifyCase { return verifyCase{h: with(h, StripeSignatureHeader, v), body: body} }
	c := func(name string, base verifyCase, wantErr error) verifyCase {
		base.name, base.want = name, wantErr
		if wantErr == nil {
			base.wantD = want
		}
		return base
	}
	at := func(base verifyCase, offset time.Duration) verifyCase {
		base.at = now.Add(offset)
		return base
	}
	withSecrets := func(base verifyCase, secrets ...[]byte) verifyCase {
		base.secrets = secrets
		return base
	}
	valid := verifyCase{h: h, body: body}

	cases := []verifyCase{
		c("a valid event is accepted", valid, nil),
		c("an independently computed header is accepted", hv(stripeHeader(now, stripeBody, currentSecret)), nil),
		c("an event signed with the previous secret is accepted", hv(stripeHeader(now, stripeBody, previousSecret)), nil),
		c("several signatures where only the second matches are accepted", hv(stripeHeader(now, stripeBody, unknownSecret, currentSecret)), nil),
		c("Stripe rolling its secret sends both, and the new one alone verifies", withSecrets(hv(stripeHeader(now, stripeBody, previousSecret, currentSecret)), currentSecret), nil),
		c("a v0 signature and unknown schemes are ignored", hv("t="+ts+",v0="+strings.Repeat("0", 64)+",v1="+v1+",v9=zz"), nil),
		c("elements in another order are accepted", hv("v1="+v1+",t="+ts), nil),
		c("spaces around elements are accepted", hv(" t="+ts+" , v1="+v1+" "), nil),
		c("an event 300 s old is accepted", at(valid, Tolerance), nil),
		c("an event 300 s ahead is accepted", at(valid, -Tolerance), nil),

		c("an event 301 s old is stale", at(valid, Tolerance+time.Second), ErrStale),
		c("an event 301 s ahead is stale", at(valid, -Tolerance-time.Second), ErrStale),
		c("an event a year old is stale", at(valid, 365*24*time.Hour), ErrStale),
		c("a stale event with a forged signature is rejected as forged", withSecrets(at(valid, time.Hour), unknownSecret), ErrBadSignature),
		c("a wrong secret is rejected", withSecrets(valid, unknownSecret), ErrBadSignature),
		c("a body with one byte changed is rejected", verifyCase{h: h, body: tampered(body, 10)}, ErrBadSignature),
		c("a changed timestamp is rejected", hv("t="+strconv.FormatInt(now.Unix()+1, 10)+",v1="+v1), ErrBadSignature),
		c("several signatures none of which matches are rejected", hv(stripeHeader(now, stripeBody, unknownSecret, unknownSecret)), ErrBadSignature),

		c("a missing header is rejected", hv(""), ErrMissingSignature),
		c("a header with only a v0 signature is rejected", hv("t="+ts+",v0="+v1), ErrMissingSignature),
		c("a header without a timestamp is rejected", hv("v1="+v1), ErrMalformedSignature),
		c("a repeated timestamp is rejected", hv("t="+ts+",t="+ts+",v1="+v1), ErrMalformedSignature),
		c("a non-numeric timestamp is rejected", hv("t=now,v1="+v1), ErrMalformedSignature),
		c("a signed timestamp is rejected", hv("t=+"+ts+",v1="+v1), ErrMalformedSignature),
		c("a timestamp with a leading zero is rejected", hv("t=0"+ts+",v1="+v1), ErrMalformedSignature),
		c("a timestamp beyond int64 is rejected", hv("t=9999999999999999999,v1="+v1), ErrMalformedSignature),
		c("an empty element is rejected", hv("t="+ts+",,v1="+v1), ErrMalformedSignature),
		c("a trailing comma is rejected", hv("t="+ts+",v1="+v1+","), ErrMalformedSignature),
		c("an element without = is rejected", hv("t="+ts+",v1"+v1), ErrMalformedSignature),
		c("a truncated v1 is rejected", hv("t="+ts+",v1="+v1[:63]), ErrMalformedSignature),
		c("a v1 with a non-hex digit is rejected", hv("t="+ts+",v1="+v1[:63]+"x"), ErrMalformedSignature),
		c("a v1 in base64 is rejected", hv("t="+ts+",v1=VJmU1ZVy0sXD9Gx0J3p3b5FzY3ZlZ2V0dmhpcmVlbQ=="), ErrMalformedSignature),
		c("17 signatures are too many", hv("t="+ts+strings.Repeat(",v0=x", MaxSignatures)+",v1="+v1), ErrMalformedSignature),
		c("an absurdly long header is rejected", hv("t="+ts+",v1="+v1+",x="+strings.Repeat("a", MaxHeaderLen)), ErrMalformedSignature),
		c("a repeated header is rejected", verifyCase{h: repeated(h, StripeSignatureHeader, sig), body: body}, ErrMalformedSignature),

		c("a well-signed body without an id is rejected", verifyCase{h: SignStripe(currentSecret, []byte(`{"type":"x"}`), now), body: []byte(`{"type":"x"}`)}, ErrMissingDeliveryID),
		c("a well-signed body that is not JSON is rejected", verifyCase{h: SignStripe(currentSecret, []byte("id=evt_1"), now), body: []byte("id=evt_1")}, ErrMissingDeliveryID),
		c("a well-signed body whose id is a number is rejected", verifyCase{h: SignStripe(currentSecret, []byte(`{"id":1}`), now), body: []byte(`{"id":1}`)}, ErrMissingDeliveryID),
	}
	runVerify(t, func(now func() time.Time) Verifier { return NewStripe(now) }, cases)
}

func TestStripeSixteenSignaturesAreAccepted(t *testing.T) {
	secrets := make([][]byte, MaxSignatures)
	for i := range secrets {
		secrets[i] = unknownSecret
	}
	secrets[MaxSignatures-1] = currentSecret
	h := with(nil, StripeSignatureHeader, stripeHeader(now, stripeBody, secrets...))
	if _, err := NewStripe(clock(now)).Verify(h, []byte(stripeBody), [][]byte{currentSecret}); err != nil {
		t.Errorf("Verify with %d signatures, the last one valid = %v", MaxSignatures, err)
	}
}

// TestStripeGoSignsWeVerify checks the verifier against stripe-go's own test
// signer.
func TestStripeGoSignsWeVerify(t *testing.T) {
	const secret = "whsec_test_secret_from_stripe_go"
	p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
		Payload:   []byte(stripeBody),
		Secret:    secret,
		Timestamp: now,
	})
	h := with(nil, StripeSignatureHeader, p.Header)
	key, err := ParseSecret(ProviderStripe, secret)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewStripe(clock(now)).Verify(h, p.Payload, [][]byte{key})
	if err != nil || d.ID != "evt_1NG8Du2eZvKYlo2CUI79vXWy" || !d.Timestamp.Equal(now) {
		t.Errorf("Verify(stripe-go payload) = %+v, %v", d, err)
	}
	if _, err := NewStripe(clock(now)).Verify(h, tampered(p.Payload, 5), [][]byte{key}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify(stripe-go payload, tampered) = %v, want ErrBadSignature", err)
	}
	if _, err := NewStripe(clock(now.Add(Tolerance+time.Second))).Verify(h, p.Payload, [][]byte{key}); !errors.Is(err, ErrStale) {
		t.Errorf("Verify(stripe-go payload) 301 s later = %v, want ErrStale", err)
	}
}

// TestWeSignStripeGoVerifies checks SignStripe against stripe-go's verifier.
// stripe-go reads the real clock, so the fresh-signature case signs at
// time.Now().
func TestWeSignStripeGoVerifies(t *testing.T) {
	const secret = "whsec_test_secret_for_stripe_go"
	body := []byte(stripeBody)
	opts := webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}

	h := SignStripe([]byte(secret), body, time.Now())
	ev, err := webhook.ConstructEventWithOptions(body, h.Get(StripeSignatureHeader), secret, opts)
	if err != nil || ev.ID != "evt_1NG8Du2eZvKYlo2CUI79vXWy" || string(ev.Type) != "invoice.paid" {
		t.Errorf("stripe-go ConstructEventWithOptions(SignStripe) = %s %s, %v", ev.ID, ev.Type, err)
	}
	if err := webhook.ValidatePayloadIgnoringTolerance(body, SignStripe([]byte(secret), body, now).Get(StripeSignatureHeader), secret); err != nil {
		t.Errorf("stripe-go ValidatePayloadIgnoringTolerance(SignStripe) = %v", err)
	}
	rolled := stripeHeader(now, stripeBody, unknownSecret, []byte(secret))
	if err := webhook.ValidatePayloadIgnoringTolerance(body, rolled, secret); err != nil {
		t.Errorf("stripe-go ValidatePayloadIgnoringTolerance(two signatures) = %v", err)
	}
	if err := webhook.ValidatePayloadIgnoringTolerance(body, SignStripe(unknownSecret, body, now).Get(StripeSignatureHeader), secret); err == nil {
		t.Error("stripe-go accepted a header signed with another secret: the comparison proves nothing")
	}
}

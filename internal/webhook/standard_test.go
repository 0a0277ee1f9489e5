package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The test vector of the Standard Webhooks specification.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specPayload   = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestStandardSpecVector(t *testing.T) {
	key, err := ParseSecret(ProviderStandard, specSecret)
	if err != nil {
		t.Fatal(err)
	}
	sent := time.Unix(specTimestamp, 0)
	h := SignStandard(key, []byte(specPayload), specID, sent)
	if got := h.Get(StandardSignatureHeader); got != specSignature {
		t.Errorf("SignStandard(spec vector) = %q, want %q", got, specSignature)
	}
	h = with(nil, StandardIDHeader, specID, StandardTimestampHeader, "1614265330", StandardSignatureHeader, specSignature)
	d, err := NewStandard(clock(sent)).Verify(h, []byte(specPayload), [][]byte{key})
	want := Delivery{ID: specID, Timestamp: sent.UTC()}
	if err != nil || d != want {
		t.Errorf("Verify(spec vector) = %+v, %v, want %+v", d, err, want)
	}
}

// TestOfficialLibrarySignsWeVerify checks the verifier against the Go library
// of the Standard Webhooks project.
func TestOfficialLibrarySignsWeVerify(t *testing.T) {
	wh, err := standardwebhooks.NewWebhook(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"user.created","data":{"id":1}}`)
	sig, err := wh.Sign("msg_1", now, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set(standardwebhooks.HeaderWebhookID, "msg_1")
	h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(standardwebhooks.HeaderWebhookSignature, sig)
	key, err := ParseSecret(ProviderStandard, specSecret)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewStandard(clock(now)).Verify(h, body, [][]byte{key})
	if want := (Delivery{ID: "msg_1", EventType: "user.created", Timestamp: now}); err != nil || d != want {
		t.Errorf("Verify(official library's signature) = %+v, %v, want %+v", d, err, want)
	}
	if _, err := NewStandard(clock(now)).Verify(h, tampered(body, 3), [][]byte{key}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify(official library's signature, tampered) = %v, want ErrBadSignature", err)
	}
}

// TestWeSignOfficialLibraryVerifies checks SignStandard against the official
// library's verifier, which reads the real clock: the fresh case signs at
// time.Now().
func TestWeSignOfficialLibraryVerifies(t *testing.T) {
	wh, err := standardwebhooks.NewWebhook(specSecret)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ParseSecret(ProviderStandard, specSecret)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"user.created"}`)
	if err := wh.Verify(body, SignStandard(key, body, "msg_2", time.Now())); err != nil {
		t.Errorf("official Verify(SignStandard) = %v", err)
	}
	h := SignStandard(key, body, "msg_2", now)
	h.Set(StandardSignatureHeader, "v1,"+base64.StdEncoding.EncodeToString(hmacOf(unknownSecret, "x"))+" "+h.Get(StandardSignatureHeader))
	if err := wh.VerifyIgnoringTimestamp(body, h); err != nil {
		t.Errorf("official VerifyIgnoringTimestamp(two signatures, the second ours) = %v", err)
	}
	if err := wh.VerifyIgnoringTimestamp(body, SignStandard(previousSecret, body, "msg_2", now)); err == nil {
		t.Error("the official library accepted a signature under another key: the comparison proves nothing")
	}
}

func TestStandardVerify(t *testing.T) {
	body := []byte(`{"type":"invoice.paid","data":{}}`)
	const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"
	ts := strconv.FormatInt(now.Unix(), 10)
	sigOf := func(key []byte, id, ts, body string) string {
		return "v1," + base64.StdEncoding.EncodeToString(hmacOf(key, id, ".", ts, ".", body))
	}
	good := sigOf(currentSecret, id, ts, string(body))
	bad := sigOf(unknownSecret, id, ts, string(body))
	h := with(nil, StandardIDHeader, id, StandardTimestampHeader, ts, StandardSignatureHeader, good)
	want := Delivery{ID: id, EventType: "invoice.paid", Timestamp: now}
	valid := verifyCase{h: h, body: body}
	hv := func(kv ...string) verifyCase { return verifyCase{h: with(h, kv...), body: body} }
	sv := func(v string) verifyCase { return hv(StandardSignatureHeader, v) }
	c := func(name string, base verifyCase, wantErr error, wantD ...Delivery) verifyCase {
		base.name, base.want = name, wantErr
		if wantErr == nil {
			base.wantD = want
			if len(wantD) > 0 {
				base.wantD = wantD[0]
			}
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

	cases := []verifyCase{
		c("an independently signed message is accepted", valid, nil),
		c("a message signed by SignStandard is accepted", verifyCase{h: SignStandard(currentSecret, body, id, now), body: body}, nil),
		c("a message signed with the previous key is accepted", sv(sigOf(previousSecret, id, ts, string(body))), nil),
		c("several signatures where only the second matches are accepted", sv(bad+" "+good), nil),
		c("asymmetric and unknown versions are ignored", sv("v1a,"+strings.Repeat("A", 88)+" "+good+" v2,x"), nil),
		c("runs of spaces are accepted", sv("  "+bad+"   "+good+" "), nil),
		c("a body that is not JSON has no event type", verifyCase{h: SignStandard(currentSecret, []byte("plain"), id, now), body: []byte("plain")}, nil, Delivery{ID: id, Timestamp: now}),
		c("a message 300 s old is accepted", at(valid, Tolerance), nil),
		c("a message 300 s ahead is accepted", at(valid, -Tolerance), nil),

		c("a message 301 s old is stale", at(valid, Tolerance+time.Second), ErrStale),
		c("a message 301 s ahead is stale", at(valid, -Tolerance-time.Second), ErrStale),
		c("a wrong key is rejected", withSecrets(valid, unknownSecret), ErrBadSignature),
		c("several signatures none of which matches are rejected", sv(bad+" "+bad), ErrBadSignature),
		c("a body with one byte changed is rejected", verifyCase{h: h, body: tampered(body, 4)}, ErrBadSignature),
		c("a changed id is rejected", hv(StandardIDHeader, "msg_other"), ErrBadSignature),
		c("a changed timestamp is rejected", hv(StandardTimestampHeader, strconv.FormatInt(now.Unix()+1, 10)), ErrBadSignature),

		c("a missing signature is rejected", sv(""), ErrMissingSignature),
		c("a signature header of spaces is rejected", sv("   "), ErrMissingSignature),
		c("only asymmetric signatures are rejected", sv("v1a,"+strings.Repeat("A", 88)), ErrMissingSignature),
		c("a missing id is rejected", hv(StandardIDHeader, ""), ErrMalformedSignature),
		c("a missing timestamp is rejected", hv(StandardTimestampHeader, ""), ErrMalformedSignature),
		c("a timestamp in milliseconds beyond int64 is rejected", hv(StandardTimestampHeader, "99999999999999999999"), ErrMalformedSignature),
		c("a fractional timestamp is rejected", hv(StandardTimestampHeader, ts+".5"), ErrMalformedSignature),
		c("an entry without a comma beside a valid one is passed over", sv(good+" v1"), nil),
		c("an entry without a comma alone is rejected", sv("v1"), ErrMissingSignature),
		c("a short v1 entry beside a valid one is passed over", sv("v1,AAAA "+good), nil),
		c("a short v1 entry alone is rejected", sv("v1,AAAA"), ErrMalformedSignature),
		c("an entry without a version is rejected", sv(","+good[3:]), ErrMissingSignature),
		c("an unpadded signature is rejected", sv(strings.TrimRight(good, "=")), ErrMalformedSignature),
		c("a URL-alphabet signature beside a valid one is passed over", sv("v1,"+strings.Repeat("_", 43)+"="+" "+good), nil),
		c("a URL-alphabet signature alone is rejected", sv("v1,"+strings.Repeat("_", 43)+"="), ErrMalformedSignature),
		c("base64 of 31 bytes is rejected", sv("v1,"+base64.StdEncoding.EncodeToString(make([]byte, 31))), ErrMalformedSignature),
		c("a hex signature is rejected", sv("v1,"+strings.Repeat("ab", 32)), ErrMalformedSignature),
		c("17 entries are too many", sv(strings.Repeat("v1a,x ", MaxSignatures)+good), ErrMalformedSignature),
		c("an absurdly long header is rejected", sv(good+" v1a,"+strings.Repeat("A", MaxHeaderLen)), ErrMalformedSignature),
		c("a repeated signature header is rejected", verifyCase{h: repeated(h, StandardSignatureHeader, good), body: body}, ErrMalformedSignature),
		c("a repeated id header is rejected", verifyCase{h: repeated(h, StandardIDHeader, id), body: body}, ErrMalformedSignature),

		c("a well-signed id with a space is rejected", verifyCase{h: SignStandard(currentSecret, body, "msg 1", now), body: body}, ErrMissingDeliveryID),
		c("a well-signed overlong id is rejected", verifyCase{h: SignStandard(currentSecret, body, strings.Repeat("m", MaxIDLen+1), now), body: body}, ErrMissingDeliveryID),
	}
	runVerify(t, func(now func() time.Time) Verifier { return NewStandard(now) }, cases)
}

package webhook

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSlackDocumentedExample uses the example from Slack's "Verifying
// requests from Slack": a slash command, which is form-encoded and so has no
// event_id. ErrMissingDeliveryID is only returned once the signature and the
// timestamp have been checked, so it shows the signature verified.
func TestSlackDocumentedExample(t *testing.T) {
	secret := []byte("8f742231b10e8888abcd99yyyzzz85a5")
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	sent := time.Unix(1531420618, 0)
	const want = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

	h := SignSlack(secret, body, sent)
	if got := h.Get(SlackSignatureHeader); got != want {
		t.Errorf("SignSlack = %q, want %q", got, want)
	}
	h = with(nil, SlackSignatureHeader, want, SlackTimestampHeader, "1531420618")
	v := NewSlack(clock(sent.Add(time.Minute)))
	if _, err := v.Verify(h, body, [][]byte{secret}); !errors.Is(err, ErrMissingDeliveryID) {
		t.Errorf("Verify(documented example) = %v, want ErrMissingDeliveryID (signature valid, no event_id)", err)
	}
	if _, err := v.Verify(h, body, [][]byte{[]byte("8f742231b10e8888abcd99yyyzzz85a6")}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify(documented example, other secret) = %v, want ErrBadSignature", err)
	}
}

// slackSignature is an independent computation of Slack's signature.
func slackSignature(secret []byte, ts time.Time, body string) string {
	return "v0=" + hex.EncodeToString(hmacOf(secret, "v0:", strconv.FormatInt(ts.Unix(), 10), ":", body))
}

func TestSlackVerify(t *testing.T) {
	const event = `{"token":"x","team_id":"T1","type":"event_callback","event_id":"Ev0PV52K21","event":{"type":"app_mention","text":"hi"}}`
	const outer = `{"type":"app_rate_limited","event_id":"Ev0PV52K22"}`
	const challenge = `{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	ts := strconv.FormatInt(now.Unix(), 10)
	h := with(nil, SlackTimestampHeader, ts, SlackSignatureHeader, slackSignature(currentSecret, now, event))
	sig := h.Get(SlackSignatureHeader)
	body := []byte(event)
	want := Delivery{ID: "Ev0PV52K21", EventType: "app_mention", Timestamp: now}
	signed := func(secret []byte, b string) verifyCase {
		return verifyCase{h: SignSlack(secret, []byte(b), now), body: []byte(b)}
	}
	valid := verifyCase{h: h, body: body}
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
	hv := func(kv ...string) verifyCase { return verifyCase{h: with(h, kv...), body: body} }

	cases := []verifyCase{
		c("an independently signed event is accepted", valid, nil),
		c("an event signed by SignSlack is accepted", signed(currentSecret, event), nil),
		c("an event signed with the previous secret is accepted", signed(previousSecret, event), nil),
		c("an event without an inner type has the outer type", signed(currentSecret, outer), nil, Delivery{ID: "Ev0PV52K22", EventType: "app_rate_limited", Timestamp: now}),
		c("a url_verification challenge is returned for the caller to answer", signed(currentSecret, challenge), nil,
			Delivery{EventType: SlackURLVerification, Timestamp: now, Challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}),
		c("an event 300 s old is accepted", at(valid, Tolerance), nil),
		c("an event 300 s ahead is accepted", at(valid, -Tolerance), nil),

		c("an event 301 s old is stale", at(valid, Tolerance+time.Second), ErrStale),
		c("an event 301 s ahead is stale", at(valid, -Tolerance-time.Second), ErrStale),
		c("a stale challenge is stale", at(signed(currentSecret, challenge), time.Hour), ErrStale),
		c("a wrong secret is rejected", signed(unknownSecret, event), ErrBadSignature),
		c("a challenge with a wrong secret is rejected", signed(unknownSecret, challenge), ErrBadSignature),
		c("a body with one byte changed is rejected", verifyCase{h: h, body: tampered(body, 20)}, ErrBadSignature),
		c("a changed timestamp is rejected", hv(SlackTimestampHeader, strconv.FormatInt(now.Unix()-1, 10)), ErrBadSignature),

		c("a missing signature is rejected", hv(SlackSignatureHeader, ""), ErrMissingSignature),
		c("a missing timestamp is rejected", hv(SlackTimestampHeader, ""), ErrMalformedSignature),
		c("a non-numeric timestamp is rejected", hv(SlackTimestampHeader, "1.5e9"), ErrMalformedSignature),
		c("a negative timestamp is rejected", hv(SlackTimestampHeader, "-"+ts), ErrMalformedSignature),
		c("a repeated timestamp is rejected", verifyCase{h: repeated(h, SlackTimestampHeader, ts), body: body}, ErrMalformedSignature),
		c("a repeated signature is rejected", verifyCase{h: repeated(h, SlackSignatureHeader, sig), body: body}, ErrMalformedSignature),
		c("a signature of another version is rejected", hv(SlackSignatureHeader, "v1="+sig[3:]), ErrMalformedSignature),
		c("a signature without its version is rejected", hv(SlackSignatureHeader, sig[3:]), ErrMalformedSignature),
		c("a truncated signature is rejected", hv(SlackSignatureHeader, sig[:len(sig)-1]), ErrMalformedSignature),
		c("a non-hex signature is rejected", hv(SlackSignatureHeader, sig[:len(sig)-1]+"z"), ErrMalformedSignature),
		c("two comma-separated signatures are rejected", hv(SlackSignatureHeader, sig+","+sig), ErrMalformedSignature),
		c("an absurdly long signature header is rejected", hv(SlackSignatureHeader, sig+strings.Repeat("0", MaxHeaderLen)), ErrMalformedSignature),

		c("a well-signed event without event_id is rejected", signed(currentSecret, `{"type":"event_callback","event":{"type":"message"}}`), ErrMissingDeliveryID),
		c("a well-signed url_verification without a challenge is rejected", signed(currentSecret, `{"type":"url_verification"}`), ErrMissingDeliveryID),
		c("a challenge that is not printable is rejected", signed(currentSecret, `{"type":"url_verification","challenge":"a\nb"}`), ErrMissingDeliveryID),
		c("a challenge field on another type is not a challenge", signed(currentSecret, `{"type":"event_callback","challenge":"c"}`), ErrMissingDeliveryID),
		c("a well-signed form body is rejected", signed(currentSecret, "payload=%7B%7D"), ErrMissingDeliveryID),
	}
	runVerify(t, func(now func() time.Time) Verifier { return NewSlack(now) }, cases)
}

package webhook

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func mustPlain(t testing.TB, ctor func(PlainConfig) (*Plain, error), cfg PlainConfig) *Plain {
	t.Helper()
	p, err := ctor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHexSHA256Verify(t *testing.T) {
	p := mustPlain(t, HexSHA256, PlainConfig{Header: "X-Signature", Prefix: "sha256=", IDHeader: "X-Delivery", EventHeader: "X-Event"})
	body := []byte(`{"order":42}`)
	sig := "sha256=" + hex.EncodeToString(hmacOf(currentSecret, string(body)))
	h := with(nil, "X-Signature", sig, "X-Delivery", "d-1", "X-Event", "order.paid")
	want := Delivery{ID: "d-1", EventType: "order.paid"}
	hv := func(kv ...string) verifyCase { return verifyCase{h: with(h, kv...), body: body} }
	c := func(name string, base verifyCase, wantErr error) verifyCase {
		base.name, base.want = name, wantErr
		if wantErr == nil {
			base.wantD = want
		}
		return base
	}
	cases := []verifyCase{
		c("an independently signed request is accepted", verifyCase{h: h, body: body}, nil),
		c("a request signed by Sign is accepted", verifyCase{h: with(p.Sign(currentSecret, body), "X-Delivery", "d-1", "X-Event", "order.paid"), body: body}, nil),
		c("a request signed with the previous secret is accepted", verifyCase{h: with(p.Sign(previousSecret, body), "X-Delivery", "d-1", "X-Event", "order.paid"), body: body}, nil),
		c("upper-case hex is accepted", hv("X-Signature", "sha256="+strings.ToUpper(sig[7:])), nil),
		c("a wrong secret is rejected", verifyCase{h: h, body: body, secrets: [][]byte{unknownSecret}}, ErrBadSignature),
		c("a body with one byte changed is rejected", verifyCase{h: h, body: tampered(body, 2)}, ErrBadSignature),
		c("a missing signature is rejected", hv("X-Signature", ""), ErrMissingSignature),
		c("a signature without the prefix is rejected", hv("X-Signature", sig[7:]), ErrMalformedSignature),
		c("a base64 signature is rejected", hv("X-Signature", "sha256="+base64.StdEncoding.EncodeToString(hmacOf(currentSecret, string(body)))), ErrMalformedSignature),
		c("a missing delivery id is rejected", hv("X-Delivery", ""), ErrMissingDeliveryID),
	}
	runVerify(t, func(func() time.Time) Verifier { return p }, cases)
}

func TestBase64SHA256Verify(t *testing.T) {
	p := mustPlain(t, Base64SHA256, PlainConfig{Header: "X-Hmac"})
	body := []byte("a=1&b=2")
	raw := hmacOf(currentSecret, string(body))
	sum := sha256.Sum256(body)
	want := Delivery{ID: "sha256:" + hex.EncodeToString(sum[:])}
	hv := func(v string) verifyCase { return verifyCase{h: with(nil, "X-Hmac", v), body: body} }
	c := func(name string, base verifyCase, wantErr error) verifyCase {
		base.name, base.want = name, wantErr
		if wantErr == nil {
			base.wantD = want
		}
		return base
	}
	cases := []verifyCase{
		c("standard padded base64 is accepted, with the body hash as id", hv(base64.StdEncoding.EncodeToString(raw)), nil),
		c("unpadded base64 is accepted", hv(base64.RawStdEncoding.EncodeToString(raw)), nil),
		c("URL-alphabet base64 is accepted", hv(base64.URLEncoding.EncodeToString(raw)), nil),
		c("unpadded URL-alphabet base64 is accepted", hv(base64.RawURLEncoding.EncodeToString(raw)), nil),
		c("Sign's header is accepted", verifyCase{h: p.Sign(currentSecret, body), body: body}, nil),
		c("a wrong secret is rejected", verifyCase{h: p.Sign(unknownSecret, body), body: body}, ErrBadSignature),
		c("a body with one byte changed is rejected", verifyCase{h: p.Sign(currentSecret, body), body: tampered(body, 0)}, ErrBadSignature),
		c("a hex signature is rejected", hv(hex.EncodeToString(raw)), ErrMalformedSignature),
		c("base64 of the wrong length is rejected", hv(base64.StdEncoding.EncodeToString(raw[:31])), ErrMalformedSignature),
		c("mixed alphabets are rejected", hv(strings.Repeat("+", 20)+strings.Repeat("_", 23)), ErrMalformedSignature),
		c("a missing header is rejected", hv(""), ErrMissingSignature),
	}
	runVerify(t, func(func() time.Time) Verifier { return p }, cases)
}

func TestPlainConfig(t *testing.T) {
	cases := []struct {
		name    string
		cfg     PlainConfig
		wantErr bool
	}{
		{"a header alone is enough", PlainConfig{Header: "X-Signature"}, false},
		{"every option may be set", PlainConfig{Header: "X-Signature", Prefix: "sha256=", IDHeader: "X-Id", EventHeader: "X-Event"}, false},
		{"no header is refused", PlainConfig{Prefix: "sha256="}, true},
		{"a header name with a space is refused", PlainConfig{Header: "X Signature"}, true},
		{"an id header name with a colon is refused", PlainConfig{Header: "X-Signature", IDHeader: "X-Id:"}, true},
		{"an event header name with a newline is refused", PlainConfig{Header: "X-Signature", EventHeader: "X\nEvent"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, ctor := range []func(PlainConfig) (*Plain, error){HexSHA256, Base64SHA256} {
				if _, err := ctor(tc.cfg); (err != nil) != tc.wantErr {
					t.Errorf("constructor(%+v) = %v, want error: %v", tc.cfg, err, tc.wantErr)
				}
			}
		})
	}
}

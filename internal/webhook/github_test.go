package webhook

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// TestGitHubDocumentedVector uses the example from GitHub's "Validating
// webhook deliveries".
func TestGitHubDocumentedVector(t *testing.T) {
	secret := []byte("It's a Secret to Everybody")
	body := []byte("Hello, World!")
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

	h := SignGitHub(secret, body, "", "")
	if got := h.Get(GitHubSignatureHeader); got != want {
		t.Errorf("SignGitHub = %q, want %q", got, want)
	}
	h = with(h, GitHubSignatureHeader, want, GitHubDeliveryHeader, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	d, err := NewGitHub().Verify(h, body, [][]byte{secret})
	if err != nil || d.ID != "72d3162e-cc78-11e3-81ab-4c9367dc0958" {
		t.Errorf("Verify(documented vector) = %+v, %v", d, err)
	}
	if _, err := NewGitHub().Verify(h, []byte("Hello, World?"), [][]byte{secret}); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify(documented vector, other body) = %v, want ErrBadSignature", err)
	}
}

func TestGitHubVerify(t *testing.T) {
	body := []byte(`{"action":"opened","number":1}`)
	const delivery = "72d3162e-cc78-11e3-81ab-4c9367dc0958"
	h := SignGitHub(currentSecret, body, delivery, "pull_request")
	sig := h.Get(GitHubSignatureHeader)
	old := SignGitHub(previousSecret, body, delivery, "pull_request")
	independent := "sha256=" + hex.EncodeToString(hmacOf(currentSecret, string(body)))
	want := Delivery{ID: delivery, EventType: "pull_request"}

	cases := []verifyCase{
		{name: "a valid delivery is accepted", h: h, body: body, wantD: want},
		{name: "an independently computed signature is accepted", h: with(h, GitHubSignatureHeader, independent), body: body, wantD: want},
		{name: "upper-case hex is accepted", h: with(h, GitHubSignatureHeader, "sha256="+strings.ToUpper(sig[7:])), body: body, wantD: want},
		{name: "a delivery signed with the previous secret is accepted", h: old, body: body, wantD: want},
		{name: "a delivery without an event header has no event type", h: with(h, GitHubEventHeader, ""), body: body, wantD: Delivery{ID: delivery}},
		{name: "a non-printable event type is dropped", h: with(h, GitHubEventHeader, "a b"), body: body, wantD: Delivery{ID: delivery}},
		{name: "timestamps do not matter", h: h, body: body, at: now.Add(100 * 24 * time.Hour), wantD: want},

		{name: "a wrong secret is rejected", h: h, body: body, secrets: [][]byte{unknownSecret}, want: ErrBadSignature},
		{name: "the previous secret alone does not verify the current one's signature", h: h, body: body, secrets: [][]byte{previousSecret}, want: ErrBadSignature},
		{name: "a body with one byte changed is rejected", h: h, body: tampered(body, 3), want: ErrBadSignature},
		{name: "a body with a trailing newline is rejected", h: h, body: append(append([]byte(nil), body...), '\n'), want: ErrBadSignature},
		{name: "a signature for the empty body is rejected", h: SignGitHub(currentSecret, nil, delivery, ""), body: body, want: ErrBadSignature},

		{name: "a missing signature is rejected", h: with(h, GitHubSignatureHeader, ""), body: body, want: ErrMissingSignature},
		{name: "the legacy SHA-1 header alone is rejected", h: with(h, GitHubSignatureHeader, "", "X-Hub-Signature", "sha1="+strings.Repeat("0", 40)), body: body, want: ErrMissingSignature},
		{name: "a signature without its prefix is rejected", h: with(h, GitHubSignatureHeader, sig[7:]), body: body, want: ErrMalformedSignature},
		{name: "a sha1 prefix is rejected", h: with(h, GitHubSignatureHeader, "sha1="+sig[7:]), body: body, want: ErrMalformedSignature},
		{name: "an upper-case prefix is rejected", h: with(h, GitHubSignatureHeader, "SHA256="+sig[7:]), body: body, want: ErrMalformedSignature},
		{name: "a truncated signature is rejected", h: with(h, GitHubSignatureHeader, sig[:len(sig)-2]), body: body, want: ErrMalformedSignature},
		{name: "non-hex digits are rejected", h: with(h, GitHubSignatureHeader, sig[:len(sig)-1]+"g"), body: body, want: ErrMalformedSignature},
		{name: "an absurdly long header is rejected", h: with(h, GitHubSignatureHeader, sig+strings.Repeat("0", MaxHeaderLen)), body: body, want: ErrMalformedSignature},
		{name: "a repeated signature header is rejected", h: repeated(h, GitHubSignatureHeader, sig), body: body, want: ErrMalformedSignature},

		{name: "a well-signed delivery without a delivery id is rejected", h: with(h, GitHubDeliveryHeader, ""), body: body, want: ErrMissingDeliveryID},
		{name: "a repeated delivery id is rejected", h: repeated(h, GitHubDeliveryHeader, "other"), body: body, want: ErrMissingDeliveryID},
		{name: "a delivery id with a control character is rejected", h: with(h, GitHubDeliveryHeader, "a\x00b"), body: body, want: ErrMissingDeliveryID},
		{name: "an overlong delivery id is rejected", h: with(h, GitHubDeliveryHeader, strings.Repeat("a", MaxIDLen+1)), body: body, want: ErrMissingDeliveryID},
		{name: "a forged delivery without a delivery id is rejected as forged", h: with(h, GitHubDeliveryHeader, ""), body: body, secrets: [][]byte{unknownSecret}, want: ErrBadSignature},
	}
	runVerify(t, func(func() time.Time) Verifier { return NewGitHub() }, cases)
}

func TestSignGitHub(t *testing.T) {
	h := SignGitHub(currentSecret, []byte("x"), "d", "push")
	if len(h) != 3 || h.Get(GitHubDeliveryHeader) != "d" || h.Get(GitHubEventHeader) != "push" {
		t.Errorf("SignGitHub = %v, want signature, delivery and event headers", h)
	}
	if h := SignGitHub(currentSecret, []byte("x"), "", ""); len(h) != 1 {
		t.Errorf("SignGitHub without delivery and event = %v, want the signature alone", h)
	}
}

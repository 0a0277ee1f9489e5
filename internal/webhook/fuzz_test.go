package webhook

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets check, for every header parser, that Verify never panics,
// answers only with the package's errors, and accepts a request only when the
// header really carries an HMAC of the signed content under one of the
// secrets, recomputed here independently.

var fuzzSecrets = [][]byte{currentSecret, previousSecret}

// containsMAC reports whether v contains, per secret, the MAC of the parts
// spelled by enc with the given prefix.
func containsMAC(v, prefix string, enc func([]byte) string, parts ...string) bool {
	for _, k := range fuzzSecrets {
		if strings.Contains(v, prefix+enc(hmacOf(k, parts...))) {
			return true
		}
	}
	return false
}

func checkRefusal(t *testing.T, d Delivery, err error) {
	t.Helper()
	if !isSentinel(err) {
		t.Fatalf("Verify = %v, not one of the package's errors", err)
	}
	if d != (Delivery{}) {
		t.Fatalf("Verify failed with %v but returned %+v", err, d)
	}
}

func FuzzGitHubHeader(f *testing.F) {
	body := []byte(`{"zen":"Keep it logically awesome."}`)
	f.Add(SignGitHub(currentSecret, body, "", "").Get(GitHubSignatureHeader), body)
	f.Add(SignGitHub(previousSecret, body, "", "").Get(GitHubSignatureHeader), body)
	f.Add("sha256=", body)
	f.Add("sha256="+strings.Repeat("G", 64), []byte{})
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		h := with(nil, GitHubSignatureHeader, sig, GitHubDeliveryHeader, "d")
		d, err := NewGitHub().Verify(h, body, fuzzSecrets)
		if err != nil {
			checkRefusal(t, d, err)
			return
		}
		if !containsMAC(strings.ToLower(sig), "sha256=", hex.EncodeToString, string(body)) || len(sig) != 71 {
			t.Fatalf("Verify accepted %q for a body it does not sign", sig)
		}
	})
}

func FuzzStripeHeader(f *testing.F) {
	body := []byte(stripeBody)
	f.Add(SignStripe(currentSecret, body, now).Get(StripeSignatureHeader), body)
	f.Add(stripeHeader(now, stripeBody, unknownSecret, previousSecret), body)
	f.Add("t="+strconv.FormatInt(now.Unix(), 10)+",v0=00,v1=zz", body)
	f.Add("t=1,t=2,v1=", []byte("{}"))
	f.Add(",,,=,==,t=", []byte(nil))
	f.Fuzz(func(t *testing.T, v string, body []byte) {
		if ts, sigs, err := parseStripeHeader(v); err == nil {
			if ts <= 0 || len(sigs) == 0 || len(sigs) > MaxSignatures {
				t.Fatalf("parseStripeHeader(%q) = %d, %d signatures", v, ts, len(sigs))
			}
			for _, s := range sigs {
				if len(s) != macSize {
					t.Fatalf("parseStripeHeader(%q) returned a %d-byte signature", v, len(s))
				}
			}
		}
		d, err := NewStripe(clock(now)).Verify(with(nil, StripeSignatureHeader, v), body, fuzzSecrets)
		if err != nil {
			checkRefusal(t, d, err)
			return
		}
		ts := strconv.FormatInt(d.Timestamp.Unix(), 10)
		if !containsMAC(strings.ToLower(v), "v1=", hex.EncodeToString, ts, ".", string(body)) {
			t.Fatalf("Verify accepted %q for a body it does not sign", v)
		}
		if age := now.Sub(d.Timestamp); age > Tolerance || age < -Tolerance || d.ID == "" {
			t.Fatalf("Verify accepted %q with delivery %+v", v, d)
		}
	})
}

func FuzzSlackHeaders(f *testing.F) {
	body := []byte(`{"type":"event_callback","event_id":"Ev1","event":{"type":"message"}}`)
	h := SignSlack(currentSecret, body, now)
	f.Add(h.Get(SlackSignatureHeader), h.Get(SlackTimestampHeader), body)
	c := []byte(`{"type":"url_verification","challenge":"abc"}`)
	h = SignSlack(previousSecret, c, now)
	f.Add(h.Get(SlackSignatureHeader), h.Get(SlackTimestampHeader), c)
	f.Add("v0=", "0", []byte{})
	f.Add("v0="+strings.Repeat("a", 64), "+1750000000", body)
	f.Fuzz(func(t *testing.T, sig, ts string, body []byte) {
		h := with(nil, SlackSignatureHeader, sig, SlackTimestampHeader, ts)
		d, err := NewSlack(clock(now)).Verify(h, body, fuzzSecrets)
		if err != nil {
			checkRefusal(t, d, err)
			return
		}
		if !containsMAC(strings.ToLower(sig), "v0=", hex.EncodeToString, "v0:", ts, ":", string(body)) || len(sig) != 67 {
			t.Fatalf("Verify accepted %q at %q for a body it does not sign", sig, ts)
		}
		if (d.ID == "") == (d.Challenge == "") {
			t.Fatalf("Verify accepted %+v: want exactly one of ID and Challenge", d)
		}
	})
}

func FuzzStandardSignatureHeader(f *testing.F) {
	body := []byte(`{"type":"user.created"}`)
	h := SignStandard(currentSecret, body, "msg_1", now)
	f.Add(h.Get(StandardSignatureHeader), "msg_1", h.Get(StandardTimestampHeader), body)
	f.Add("v1a,xyz "+SignStandard(previousSecret, body, "msg_1", now).Get(StandardSignatureHeader), "msg_1", h.Get(StandardTimestampHeader), body)
	f.Add(specSignature, specID, "1614265330", []byte(specPayload))
	f.Add("v1, v1,, ,v1", "", "", []byte{})
	f.Fuzz(func(t *testing.T, sig, id, ts string, body []byte) {
		h := with(nil, StandardSignatureHeader, sig, StandardIDHeader, id, StandardTimestampHeader, ts)
		if sigs, err := parseStandardSignatures(sig); err == nil && (len(sigs) == 0 || len(sigs) > MaxSignatures) {
			t.Fatalf("parseStandardSignatures(%q) returned %d signatures", sig, len(sigs))
		}
		d, err := NewStandard(clock(now)).Verify(h, body, fuzzSecrets)
		if err != nil {
			checkRefusal(t, d, err)
			return
		}
		if !containsMAC(sig, "v1,", base64.StdEncoding.EncodeToString, id, ".", ts, ".", string(body)) {
			t.Fatalf("Verify accepted %q for id %q, ts %q and a body it does not sign", sig, id, ts)
		}
		if d.ID != id || !printable(id) {
			t.Fatalf("Verify accepted id %q as %+v", id, d)
		}
	})
}

func FuzzPlainHeader(f *testing.F) {
	b64, err := Base64SHA256(PlainConfig{Header: "X-Signature", Prefix: "sig="})
	if err != nil {
		f.Fatal(err)
	}
	hx, err := HexSHA256(PlainConfig{Header: "X-Signature", Prefix: "sig="})
	if err != nil {
		f.Fatal(err)
	}
	body := []byte("hello")
	f.Add(b64.Sign(currentSecret, body).Get("X-Signature"), body)
	f.Add(hx.Sign(previousSecret, body).Get("X-Signature"), body)
	f.Add("sig="+strings.Repeat("_", 43), body)
	f.Fuzz(func(t *testing.T, sig string, body []byte) {
		h := http.Header{"X-Signature": {sig}}
		for _, p := range []*Plain{b64, hx} {
			d, err := p.Verify(h, body, fuzzSecrets)
			if err != nil {
				checkRefusal(t, d, err)
				continue
			}
			spellings := []func([]byte) string{
				hex.EncodeToString,
				func(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) },
				base64.StdEncoding.EncodeToString, base64.RawStdEncoding.EncodeToString,
				base64.URLEncoding.EncodeToString, base64.RawURLEncoding.EncodeToString,
			}
			ok := false
			for _, enc := range spellings {
				for _, k := range fuzzSecrets {
					ok = ok || sig == "sig="+enc(hmacOf(k, string(body)))
				}
			}
			if !ok && !containsMAC(strings.ToLower(sig), "sig=", hex.EncodeToString, string(body)) {
				t.Fatalf("Verify accepted %q for a body it does not sign", sig)
			}
		}
	})
}

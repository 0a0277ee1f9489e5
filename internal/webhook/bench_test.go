package webhook

import (
	"bytes"
	"net/http"
	"testing"
)

// BenchmarkVerify verifies a 4 KiB body signed with the previous secret, the
// slower path (both secrets are tried), for each format.
func BenchmarkVerify(b *testing.B) {
	body := append([]byte(`{"id":"evt_1","event_id":"Ev1","type":"invoice.paid","pad":"`), bytes.Repeat([]byte{'x'}, 4096)...)
	body = append(body, `"}`...)
	hexPlain, err := HexSHA256(PlainConfig{Header: "X-Signature", Prefix: "sha256="})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name string
		v    Verifier
		h    http.Header
	}{
		{"github", NewGitHub(), SignGitHub(previousSecret, body, "d1", "push")},
		{"stripe", NewStripe(clock(now)), SignStripe(previousSecret, body, now)},
		{"slack", NewSlack(clock(now)), SignSlack(previousSecret, body, now)},
		{"standard", NewStandard(clock(now)), SignStandard(previousSecret, body, "msg_1", now)},
		{"hexsha256", hexPlain, hexPlain.Sign(previousSecret, body)},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := bc.v.Verify(bc.h, body, bothSecrets); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = bc.v.Verify(bc.h, body, bothSecrets)
			}
		})
	}
}

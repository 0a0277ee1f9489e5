package jwt

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// FuzzParse checks that parsing never panics, refuses with nothing but the
// bare ErrInvalidToken, and accepts only the exact tokens that were signed:
// the signature covers the encoded header and payload, and strict decoding
// leaves each of them one spelling, so any change must be refused.
//
// The seeds are signed from fixed values, not fresh UUIDs and the clock:
// fuzzing runs this setup again in every worker process, and the seeds must
// be the same in all of them.
func FuzzParse(f *testing.F) {
	now := time.Unix(1_750_000_000, 0)
	cur := Key{ID: "current", Secret: bytes.Repeat([]byte{'c'}, KeySize)}
	prev := Key{ID: "previous", Secret: bytes.Repeat([]byte{'p'}, KeySize)}
	v := newVerifier([]Key{cur, prev}, func() time.Time { return now })
	minted := map[string]bool{}
	for i, key := range []Key{cur, prev} {
		s := &Service{key: key}
		for j, custom := range []map[string]any{{}, {"role": "admin", "n": 1.5, "list": []any{"a", nil}}} {
			id := func(k byte) uuid.UUID { return uuid.UUID{0: byte(i), 1: byte(j), 2: k, 6: 0x40, 8: 0x80} }
			p, err := s.sign(issued{
				userID: id(1), familyID: id(2), refreshID: id(3), accessID: id(4),
				issuedAt: now.Add(-time.Minute), refreshExpiresAt: now.Add(time.Hour),
				accessExpiresAt: now.Add(time.Minute), custom: custom,
			})
			if err != nil {
				f.Fatal(err)
			}
			for _, tok := range []string{p.AccessToken, p.RefreshToken} {
				minted[tok] = true
				f.Add(tok)
				parts := strings.Split(tok, ".")
				f.Add(parts[0] + "." + parts[1] + ".")
				f.Add(base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","kid":"current"}`)) + "." + parts[1] + ".")
			}
		}
	}
	for _, junk := range []string{"", ".", "..", "a.b.c", "a.b.c.d", "e30.e30.", strings.Repeat("A", MaxTokenSize+1)} {
		f.Add(junk)
	}

	f.Fuzz(func(t *testing.T, raw string) {
		c, typ, err := v.parse(raw)
		if err != nil {
			if err != ErrInvalidToken { //nolint:errorlint // the bare sentinel
				t.Fatalf("parse = %v, not the bare ErrInvalidToken", err)
			}
			if typ != "" || c.UserID != uuid.Nil || c.Custom != nil {
				t.Fatalf("parse failed but returned %+v, %q", c, typ)
			}
			return
		}
		if !minted[raw] {
			t.Fatalf("parse accepted a token that was never signed: %q", raw)
		}
	})
}

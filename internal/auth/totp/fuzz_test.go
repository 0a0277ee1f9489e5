package totp

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

// FuzzVerify checks that Verify never panics, whatever the code, clock and
// last step, and that it accepts only what its contract allows: a code that
// normalises to exactly six digits, is the secret's code for the step it
// returns, and that step is in the window and after the last step used.
func FuzzVerify(f *testing.F) {
	secret := []byte("12345678901234567890")
	now := int64(1111111111)
	cur := Step(time.Unix(now, 0))
	for _, step := range []int64{cur - 2, cur - 1, cur, cur + 1, cur + 2} {
		code := Code(secret, step)
		f.Add(code, now, int64(0))
		f.Add(" "+code[:3]+"-"+code[3:]+"\n", now, cur-1)
		f.Add(code, now, cur)
	}
	for _, junk := range []string{"", " ", "-", "12345", "1234567", "abcdef", "12345\x00", "١٢٣٤٥٦", strings.Repeat("1", 100)} {
		f.Add(junk, now, int64(0))
	}
	f.Add("000000", int64(0), int64(-1))
	f.Add("000000", int64(-1<<62), int64(-1<<62))
	f.Add("000000", int64(1<<62), int64(0))

	sixDigits := regexp.MustCompile(`^[0-9]{6}$`)
	strip := strings.NewReplacer(" ", "", "-", "")
	f.Fuzz(func(t *testing.T, code string, unix, after int64) {
		at := time.Unix(unix, 0)
		step, ok := Verify(secret, code, at, after)
		if !ok {
			if step != 0 {
				t.Fatalf("Verify(%q) refused with step %d, want 0", code, step)
			}
			return
		}
		normal := strip.Replace(strings.TrimSpace(code))
		if len(code) > 64 || !sixDigits.MatchString(normal) {
			t.Fatalf("Verify accepted %q, which is not six digits after normalisation", code)
		}
		if cur := Step(at); step < cur-Skew || step > cur+Skew || step < 0 {
			t.Fatalf("Verify(%q) at step %d returned step %d, outside the window", code, cur, step)
		}
		if step <= after {
			t.Fatalf("Verify(%q, after %d) returned step %d", code, after, step)
		}
		if Code(secret, step) != normal {
			t.Fatalf("Verify(%q) returned step %d, whose code is %s", code, step, Code(secret, step))
		}
	})
}

// FuzzDecodeSecret checks that DecodeSecret never panics, never returns an
// empty secret, and that whatever it decodes it decodes again identically
// from the canonical encoding.
func FuzzDecodeSecret(f *testing.F) {
	for _, s := range []string{"", "MZXW6YTBOI", "mzxw 6ytb oi======", "MZXW6YTBOI======A", "M", "====", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		secret, err := DecodeSecret(s)
		if err != nil {
			return
		}
		if len(secret) == 0 {
			t.Fatalf("DecodeSecret(%q) returned an empty secret", s)
		}
		again, err := DecodeSecret(EncodeSecret(secret))
		if err != nil || !bytes.Equal(again, secret) {
			t.Fatalf("DecodeSecret(%q) = %x, which does not round-trip: %x, %v", s, secret, again, err)
		}
		if len(secret) > len(s)*5/8 {
			t.Fatalf("DecodeSecret(%q) = %d bytes, more than %d characters hold", s, len(secret), len(s))
		}
	})
}

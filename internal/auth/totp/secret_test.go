package totp

import (
	"bytes"
	"regexp"
	"testing"
)

func TestNewSecret(t *testing.T) {
	a, b := NewSecret(), NewSecret()
	if len(a) != SecretSize || len(b) != SecretSize {
		t.Fatalf("secrets are %d and %d bytes, want %d", len(a), len(b), SecretSize)
	}
	if bytes.Equal(a, b) {
		t.Error("two secrets are equal")
	}
	if bytes.Equal(a, make([]byte, SecretSize)) {
		t.Error("the secret is all zeros")
	}
	if SecretSize*8 != 160 {
		t.Errorf("SecretSize is %d bits, want 160", SecretSize*8)
	}
}

func TestEncodeSecret(t *testing.T) {
	// RFC 4648 section 10 vectors, without padding.
	cases := []struct{ in, want string }{
		{"", ""},
		{"f", "MY"},
		{"fo", "MZXQ"},
		{"foo", "MZXW6"},
		{"foob", "MZXW6YQ"},
		{"fooba", "MZXW6YTB"},
		{"foobar", "MZXW6YTBOI"},
		{"12345678901234567890", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"},
	}
	for _, c := range cases {
		if got := EncodeSecret([]byte(c.in)); got != c.want {
			t.Errorf("EncodeSecret(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	shape := regexp.MustCompile(`^[A-Z2-7]{32}$`)
	for range 100 {
		if s := EncodeSecret(NewSecret()); !shape.MatchString(s) {
			t.Fatalf("EncodeSecret(NewSecret()) = %q, not 32 upper-case base32 characters", s)
		}
	}
}

func TestDecodeSecret(t *testing.T) {
	foobar := []byte("foobar")
	cases := []struct {
		name string
		in   string
		want []byte // nil: an error is expected
	}{
		{"unpadded upper case decodes", "MZXW6YTBOI", foobar},
		{"padded upper case decodes", "MZXW6YTBOI======", foobar},
		{"lower case decodes", "mzxw6ytboi", foobar},
		{"mixed case decodes", "mZxW6yTbOi", foobar},
		{"groups of four separated by spaces decode", "mzxw 6ytb oi", foobar},
		{"surrounding and repeated spaces are ignored", "  MZXW  6YTB OI==  ==== ", foobar},
		{"a whole block needs no padding", "MZXW6YTB", []byte("fooba")},
		{"the RFC 6238 seed decodes", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", []byte("12345678901234567890")},
		{"the empty string is refused", "", nil},
		{"only spaces are refused", "    ", nil},
		{"only padding is refused", "========", nil},
		{"a digit outside base32 (1) is refused", "MZXW1YTB", nil},
		{"a digit outside base32 (0) is refused", "MZXW0YTB", nil},
		{"a digit outside base32 (8) is refused", "MZXW8YTB", nil},
		{"a hyphen is refused", "MZXW-6YTB", nil},
		{"a newline is refused", "MZXW\n6YTB", nil},
		{"a tab is refused", "MZXW\t6YTB", nil},
		{"base64 is refused", "Zm9vYmFy", nil},
		{"a non-ASCII letter that upper-cases to ASCII is refused", "MZXW6YTBOı", nil},
		{"an impossible length (1) is refused", "M", nil},
		{"an impossible length (3) is refused", "MZX", nil},
		{"an impossible length (6) is refused", "MZXW6Y", nil},
		{"partial padding is refused", "MZXW6YTBOI=", nil},
		{"too much padding is refused", "MZXW6YTBOI=======", nil},
		{"padding in the middle is refused", "MZ======XW6YTBOI", nil},
		{"data after the padding is refused", "MZXW6YTBOI======A", nil},
		{"a block after the padding is refused", "MZXW6YTBOI======MZXW6YTB", nil},
		{"a padded block after the padding is refused", "MZXW6YTBOI======MZXW6YTBOI======", nil},
		{"a block of padding after a whole block is refused", "MZXW6YTB========", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeSecret(c.in)
			if c.want == nil {
				if err == nil {
					t.Errorf("DecodeSecret(%q) = %x, want an error", c.in, got)
				}
				return
			}
			if err != nil || !bytes.Equal(got, c.want) {
				t.Errorf("DecodeSecret(%q) = %q, %v; want %q", c.in, got, err, c.want)
			}
		})
	}
}

func TestSecretRoundTrip(t *testing.T) {
	for n := 1; n <= 64; n++ {
		secret := make([]byte, n)
		for i := range secret {
			secret[i] = byte(i*37 + n)
		}
		got, err := DecodeSecret(EncodeSecret(secret))
		if err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("DecodeSecret(EncodeSecret(%x)) = %x, %v", secret, got, err)
		}
	}
	secret := NewSecret()
	got, err := DecodeSecret(EncodeSecret(secret))
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("a new secret does not round-trip: %x, %v", got, err)
	}
}

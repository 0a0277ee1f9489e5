package totp

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"net/url"
	"strings"
	"testing"

	"github.com/pquerna/otp"
)

func TestURL(t *testing.T) {
	secret := []byte("12345678901234567890")
	got := URL("Rampart", "alice@example.com", secret)
	want := "otpauth://totp/Rampart:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" +
		"&issuer=Rampart&algorithm=SHA1&digits=6&period=30"
	if got != want {
		t.Errorf("URL =\n %s\nwant\n %s", got, want)
	}
}

func TestURLParsesBack(t *testing.T) {
	secret := NewSecret()
	cases := []struct {
		name, issuer, account string
	}{
		{"plain names", "Rampart", "alice@example.com"},
		{"a space in the issuer", "Acme Corp", "bob@example.com"},
		{"an ampersand and equals sign in the issuer", "Q&A = fun", "carol@example.com"},
		{"a plus in the account", "Rampart", "dave+2fa@example.com"},
		{"a slash, question mark and hash in the account", "Rampart", "a/b?c#d@example.com"},
		{"percent signs are encoded", "100% Secure", "50%@example.com"},
		{"a colon in the account stays in the account", "Rampart", "user:name"},
		{"non-ASCII names", "Société Générale", "zoë@exämple.com"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw := URL(c.issuer, c.account, secret)
			if strings.Contains(raw, " ") || strings.Contains(raw, "+") {
				t.Errorf("URL %q contains a raw space or plus", raw)
			}
			key, err := otp.NewKeyFromURL(raw)
			if err != nil {
				t.Fatal(err)
			}
			if key.Type() != "totp" {
				t.Errorf("type = %q, want totp", key.Type())
			}
			if key.Issuer() != c.issuer {
				t.Errorf("issuer = %q, want %q", key.Issuer(), c.issuer)
			}
			if key.AccountName() != c.account {
				t.Errorf("account = %q, want %q", key.AccountName(), c.account)
			}
			if decoded, err := DecodeSecret(key.Secret()); err != nil || !bytes.Equal(decoded, secret) {
				t.Errorf("secret = %q, which decodes to %x, %v; want %x", key.Secret(), decoded, err, secret)
			}
			if key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
				t.Errorf("period, digits, algorithm = %d, %d, %v; want 30, 6, SHA1", key.Period(), key.Digits(), key.Algorithm())
			}
			q := mustParseQuery(t, raw)
			if q["issuer"] != c.issuer || q["algorithm"] != "SHA1" || q["digits"] != "6" || q["period"] != "30" {
				t.Errorf("query parameters = %v", q)
			}
		})
	}
}

// mustParseQuery splits the query of raw by hand, so a parameter the URL
// failed to escape shows up as an extra or truncated parameter.
func mustParseQuery(t *testing.T, raw string) map[string]string {
	t.Helper()
	_, query, ok := strings.Cut(raw, "?")
	if !ok {
		t.Fatalf("%q has no query", raw)
	}
	params := map[string]string{}
	for _, kv := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := params[k]; dup {
			t.Fatalf("%q repeats %s", raw, k)
		}
		params[k] = mustUnescape(t, v)
	}
	if len(params) != 5 {
		t.Fatalf("%q has %d parameters, want 5", raw, len(params))
	}
	return params
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	v, err := url.PathUnescape(s) // unlike QueryUnescape, leaves "+" alone
	if err != nil {
		t.Fatalf("bad escape in %q: %v", s, err)
	}
	return v
}

func TestURLWithoutIssuer(t *testing.T) {
	raw := URL("", "alice@example.com", []byte("12345678901234567890"))
	want := "otpauth://totp/alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA1&digits=6&period=30"
	if raw != want {
		t.Errorf("URL = %s, want %s", raw, want)
	}
}

func TestQRDataURI(t *testing.T) {
	const prefix = "data:image/png;base64,"
	link := URL("Rampart", "alice@example.com", NewSecret())
	uri, err := QRDataURI(link)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(uri, prefix) {
		t.Fatalf("QRDataURI = %.40q..., want the prefix %q", uri, prefix)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, prefix))
	if err != nil {
		t.Fatalf("the data is not base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("the data is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("the image is %dx%d, want 256x256", b.Dx(), b.Dy())
	}
	dark, light := 0, 0
	for y := range 256 {
		for x := range 256 {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			} else {
				light++
			}
		}
	}
	if dark < 256*256/5 || light < 256*256/5 {
		t.Errorf("the image has %d dark and %d light pixels; not a QR code", dark, light)
	}

	other, err := QRDataURI(URL("Rampart", "bob@example.com", NewSecret()))
	if err != nil {
		t.Fatal(err)
	}
	if other == uri {
		t.Error("two different URLs gave the same image")
	}
}

func TestQRDataURIRefuses(t *testing.T) {
	cases := []struct{ name, url string }{
		{"an https URL is refused", "https://example.com/"},
		{"the empty string is refused", ""},
		{"a URL that does not parse is refused", "otpauth://totp/%zz"},
		{"a URL too long for a QR code is refused", URL("Rampart", strings.Repeat("a", 3000), NewSecret())},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if uri, err := QRDataURI(c.url); err == nil {
				t.Errorf("QRDataURI(%.40q) = %.40q..., want an error", c.url, uri)
			}
		})
	}
}

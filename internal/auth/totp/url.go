package totp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"strconv"
	"strings"

	"github.com/pquerna/otp"
)

// qrSize is the width and height, in pixels, of the QRDataURI image.
const qrSize = 256

// URL returns the otpauth URL (Google's Key URI format) that enrols secret
// in an authenticator app:
//
//	otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
//
// Issuer and account are percent-encoded (a space is %20, which every app
// reads, never +), so any text survives; only the unreserved characters and
// "@" are left as they are. The Key URI format reserves the colon as the
// separator of the two, so neither should contain one: an encoded colon still
// confuses some apps. An empty issuer is left out of the URL altogether.
func URL(issuer, account string, secret []byte) string {
	label := escape(account)
	if issuer != "" {
		label = escape(issuer) + ":" + label
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/" + label + "?secret=" + EncodeSecret(secret))
	if issuer != "" {
		b.WriteString("&issuer=" + escape(issuer))
	}
	b.WriteString("&algorithm=" + otp.AlgorithmSHA1.String())
	b.WriteString("&digits=" + strconv.Itoa(Digits))
	b.WriteString("&period=" + strconv.FormatInt(periodSeconds, 10))
	return b.String()
}

// escape percent-encodes every byte of s except the RFC 3986 unreserved
// characters and "@", which is legal in both path and query and keeps e-mail
// addresses readable. Unlike url.PathEscape it encodes "&", "=", "+" and ":",
// which would otherwise end a query value, turn into a space, or split the
// label.
func escape(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '@' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// QRDataURI returns a 256x256 PNG of the QR code of otpauthURL as a data URI
// ("data:image/png;base64,..."), for an <img> on the enrolment page, so the
// secret is not also served at an image URL that could be cached. It returns an
// error when otpauthURL is not an otpauth:// URL or is too long for a QR
// code.
func QRDataURI(otpauthURL string) (string, error) {
	u, err := url.Parse(otpauthURL)
	if err != nil || u.Scheme != "otpauth" {
		return "", errors.New("totp: QR code of a URL that is not otpauth://")
	}
	key, err := otp.NewKeyFromURL(otpauthURL)
	if err != nil {
		return "", fmt.Errorf("totp: QR code: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return "", fmt.Errorf("totp: QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("totp: QR code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

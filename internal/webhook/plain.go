package webhook

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// PlainConfig describes a plain format: an HMAC-SHA256 of the raw body, and
// nothing else, in one header.
type PlainConfig struct {
	// Header carries the signature, e.g. "X-Signature". Required.
	Header string
	// Prefix, if set, must start the header value exactly, e.g. "sha256=".
	Prefix string
	// IDHeader, if set, names the header holding the delivery id; a request
	// without it is refused with ErrMissingDeliveryID. If empty, the delivery
	// id is "sha256:" followed by the hex SHA-256 of the body, so resending
	// the same body (a retry, or a replay) is the same delivery.
	IDHeader string
	// EventHeader, if set, names the header holding the event type.
	EventHeader string
}

// Plain verifies a plain format, built by HexSHA256 or Base64SHA256. Nothing
// but the body is signed: there is no timestamp (Timestamp is zero), so
// deduplication on the delivery id is the only replay protection, and an id
// taken from IDHeader is not signed.
type Plain struct {
	cfg    PlainConfig
	decode func(string) ([]byte, error)
	encode func([]byte) string
}

// HexSHA256 returns a Plain verifier for signatures written as the hex
// HMAC-SHA256 of the body (either case). It returns an error if a header name
// in cfg is not a valid HTTP header name, or if Header is empty.
func HexSHA256(cfg PlainConfig) (*Plain, error) {
	return newPlain(cfg, decodeHex, hex.EncodeToString)
}

// Base64SHA256 returns a Plain verifier for signatures written as the base64
// HMAC-SHA256 of the body: standard or URL alphabet, padded or not. It returns
// an error if a header name in cfg is not a valid HTTP header name, or if
// Header is empty. Sign writes standard padded base64.
func Base64SHA256(cfg PlainConfig) (*Plain, error) {
	return newPlain(cfg, decodeBase64, base64.StdEncoding.EncodeToString)
}

func newPlain(cfg PlainConfig, decode func(string) ([]byte, error), encode func([]byte) string) (*Plain, error) {
	if cfg.Header == "" {
		return nil, errors.New("webhook: a plain format needs a signature header")
	}
	for _, name := range []string{cfg.Header, cfg.IDHeader, cfg.EventHeader} {
		if name != "" && !httpguts.ValidHeaderFieldName(name) {
			return nil, fmt.Errorf("webhook: %q is not a valid header name", name)
		}
	}
	return &Plain{cfg: cfg, decode: decode, encode: encode}, nil
}

// Verify implements Verifier for the plain format.
func (p *Plain) Verify(h http.Header, body []byte, secrets [][]byte) (Delivery, error) {
	v, err := signatureHeader(h, p.cfg.Header)
	if err != nil {
		return Delivery{}, err
	}
	rest, ok := strings.CutPrefix(v, p.cfg.Prefix)
	if !ok {
		return Delivery{}, malformed("the signature lacks its prefix")
	}
	sig, err := p.decode(rest)
	if err != nil {
		return Delivery{}, err
	}
	if !anyMatch(secrets, [][]byte{sig}, func(mac hash.Hash) { mac.Write(body) }) {
		return Delivery{}, ErrBadSignature
	}
	d := Delivery{}
	if p.cfg.IDHeader == "" {
		sum := sha256.Sum256(body)
		d.ID = "sha256:" + hex.EncodeToString(sum[:])
	} else if d.ID, err = header(h, p.cfg.IDHeader); err != nil || !printable(d.ID) {
		return Delivery{}, noDeliveryID("no single printable delivery id header")
	}
	if p.cfg.EventHeader != "" {
		event, _ := header(h, p.cfg.EventHeader)
		d.EventType = eventType(event)
	}
	return d, nil
}

// Sign returns the signature header for body under secret, in this format
// and with its prefix. Add the IDHeader and EventHeader yourself.
func (p *Plain) Sign(secret, body []byte) http.Header {
	h := http.Header{}
	h.Set(p.cfg.Header, p.cfg.Prefix+p.encode(mac(secret, body)))
	return h
}

// decodeBase64 decodes the base64 of an HMAC-SHA256 in any of the four
// common spellings; the length tells padded from unpadded, and each decoder
// is strict, so each MAC has one spelling per alphabet.
func decodeBase64(s string) ([]byte, error) {
	var encs []*base64.Encoding
	switch len(s) {
	case base64.StdEncoding.EncodedLen(macSize):
		encs = []*base64.Encoding{base64.StdEncoding, base64.URLEncoding}
	case base64.RawStdEncoding.EncodedLen(macSize):
		encs = []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding}
	default:
		return nil, malformed("the signature has the wrong length")
	}
	for _, enc := range encs {
		if b, err := enc.Strict().DecodeString(s); err == nil && len(b) == macSize {
			return b, nil
		}
	}
	return nil, malformed("the signature is not the base64 of an HMAC-SHA256")
}

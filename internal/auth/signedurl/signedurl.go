// Package signedurl signs and verifies the links Rampart mails (verify email,
// magic login, password reset, unlock) with HMAC-SHA256, and mints the
// single-use tokens those links carry.
//
// A signed link carries two query parameters: expires (Unix seconds) and
// signature (the unpadded base64url HMAC-SHA256). The MAC covers a canonical
// form of the link, not the string that was mailed:
//
//	"rampart-signedurl-v1\n" + path + "\n" + query
//
// where path is the path as escaped (url.URL.EscapedPath, "/" when empty) and
// query is every parameter except signature, sorted by key, each key and value
// percent-encoded with url.QueryEscape, joined by "&". So the order of the
// parameters in a link does not matter, but adding, removing, repeating or
// changing a parameter, or changing the path or its percent-encoding, breaks
// the signature, and a parameter cannot move between path and query.
//
// Scheme and host are deliberately not covered. A link only ever verifies in
// the application that minted it, with a key derived from its own SECRET_KEY,
// and that application sees whatever host the proxy in front of it presents
// (on the server a request URL has no scheme or host at all, and the Host
// header is the client's to choose). Mails build links from APP_BASE_URL, never
// from the Host header. Pointing a link at another host only sends its token
// elsewhere, which whoever holds the link can do anyway, so binding the host
// would add no protection and would break links across an http-to-https
// redirect or a www/apex alias. The corollary: deployments that share a
// SECRET_KEY (staging and production) accept each other's links; give each its
// own.
//
// A signature proves that the application minted the link before its expiry.
// It does not make the link single-use: that is the job of the token it
// carries (NewToken), whose hash the database marks used atomically.
package signedurl

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// MinKeySize is the shortest key New accepts: 256 bits, the HMAC-SHA256 output
// size. keys.Derive(master, keys.SignedURL) produces a key of this size.
const MinKeySize = 32

// The query parameters a signed link carries.
const (
	ParamExpires   = "expires"
	ParamSignature = "signature"
)

// The reasons Verify refuses a link; test for them with errors.Is. Handlers
// should show all three the same way ("this link is invalid or has expired"),
// perhaps offering a new link for ErrExpired.
var (
	// ErrMalformed: the link is not shaped like a signed link (a parameter is
	// missing or repeated, the expiry is not a positive integer, the signature
	// is not 43 base64url characters, the query does not parse).
	ErrMalformed = errors.New("signedurl: malformed link")
	// ErrInvalidSignature: the signature matches none of the keys, so the
	// link was altered or minted elsewhere.
	ErrInvalidSignature = errors.New("signedurl: invalid signature")
	// ErrExpired: the link is authentic but its expiry has passed.
	ErrExpired = errors.New("signedurl: link expired")
)

// version separates this MAC input from any other use of the same key.
const version = "rampart-signedurl-v1"

// sigEncoding is strict so that a signature has exactly one accepted spelling.
var sigEncoding = base64.RawURLEncoding.Strict()

// sigLen is the length of an encoded HMAC-SHA256, checked before decoding.
var sigLen = sigEncoding.EncodedLen(sha256.Size)

// Signer signs links with its current key and verifies them with the current
// key or any previous one. It holds no mutable state and is safe for
// concurrent use.
type Signer struct {
	keys [][]byte // keys[0] signs; all of them verify
}

// New returns a Signer that signs with current and also verifies links signed
// with any of previous, so a key can be rotated without breaking the links
// already in people's mailboxes (drop a previous key once its links have
// expired). Every key must be at least MinKeySize bytes, else New returns an
// error. The keys are copied.
func New(current []byte, previous ...[]byte) (*Signer, error) {
	s := &Signer{keys: make([][]byte, 0, 1+len(previous))}
	for i, k := range append([][]byte{current}, previous...) {
		if len(k) < MinKeySize {
			name := "current key"
			if i > 0 {
				name = fmt.Sprintf("previous key %d", i)
			}
			return nil, fmt.Errorf("signedurl: %s is %d bytes, want at least %d", name, len(k), MinKeySize)
		}
		s.keys = append(s.keys, bytes.Clone(k))
	}
	return s, nil
}

// Sign returns a copy of u, which it leaves untouched, whose query is the
// canonical query (see the package comment) with expires set to the Unix
// second of expires, followed by the signature. Existing expires and signature
// parameters are replaced; the scheme, host and fragment are kept as they are.
//
// Links are built by the application, so Sign panics on a link that could
// never verify: an opaque URL, a query that does not parse or repeats a
// parameter, or an expiry at or before the Unix epoch (such as the zero
// time.Time).
func (s *Signer) Sign(u *url.URL, expires time.Time) *url.URL {
	exp := expires.Unix()
	if exp <= 0 {
		panic(fmt.Sprintf("signedurl: Sign with expiry %v, which is not after the Unix epoch", expires))
	}
	if u.Opaque != "" {
		panic("signedurl: Sign of an opaque URL")
	}
	params, err := parseQuery(u.RawQuery)
	if err != nil {
		panic("signedurl: Sign: " + err.Error())
	}
	delete(params, ParamSignature)
	params[ParamExpires] = strconv.FormatInt(exp, 10)
	query := canonicalQuery(params)
	sig := mac(s.keys[0], canonicalPath(u), query)

	out := *u
	out.RawQuery = query + "&" + ParamSignature + "=" + sigEncoding.EncodeToString(sig)
	out.ForceQuery = false
	return &out
}

// Verify reports whether u is a link this Signer (with any of its keys)
// signed and whose expiry is still after now. It returns nil, or an error
// matching ErrMalformed, ErrInvalidSignature or ErrExpired under errors.Is.
//
// The shape is checked first, then the signature, then the expiry: an
// altered or forged link is ErrInvalidSignature whatever its expiry says, and
// ErrExpired only ever describes a link the application really minted. A
// parameter that appears twice, under any spelling of its name, is
// ErrMalformed, so the value a handler reads with Query().Get is always the
// value that was signed.
func (s *Signer) Verify(u *url.URL, now time.Time) error {
	if u == nil || u.Opaque != "" {
		return malformed("not a hierarchical URL")
	}
	params, err := parseQuery(u.RawQuery)
	if err != nil {
		return err
	}
	sig, ok := params[ParamSignature]
	if !ok {
		return malformed("no signature parameter")
	}
	delete(params, ParamSignature)
	rawExp, ok := params[ParamExpires]
	if !ok {
		return malformed("no expires parameter")
	}
	exp, err := parseExpires(rawExp)
	if err != nil {
		return err
	}
	if len(sig) != sigLen {
		return malformed("the signature has the wrong length")
	}
	got, err := sigEncoding.DecodeString(sig)
	if err != nil {
		return malformed("the signature is not base64url")
	}
	path, query := canonicalPath(u), canonicalQuery(params)
	if !s.anyKeyMatches(got, path, query) {
		return ErrInvalidSignature
	}
	if !now.Before(time.Unix(exp, 0)) {
		return ErrExpired
	}
	return nil
}

// anyKeyMatches compares got, in constant time, with the MAC under each key.
func (s *Signer) anyKeyMatches(got []byte, path, query string) bool {
	for _, k := range s.keys {
		if hmac.Equal(got, mac(k, path, query)) {
			return true
		}
	}
	return false
}

// mac is HMAC-SHA256(key, version "\n" path "\n" query). Neither path (escaped)
// nor query (QueryEscape'd) can contain a raw newline, so the input is
// unambiguous.
func mac(key []byte, path, query string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(version + "\n" + path + "\n" + query))
	return h.Sum(nil)
}

package middleware

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"sync"
)

// A CSRF token is base64url(nonce || mac) without padding, where nonce is 16
// random bytes and mac = HMAC-SHA256(key, csrfDomain || binding || nonce).
// The fresh nonce masks every token (BREACH: no secret repeats across
// responses), and any nonce verifies, so several tabs and forms work at once.
// The nonce is fixed-length and last, so the MAC input is unambiguous.
const (
	csrfNonceLen = 16
	csrfMACLen   = 32
	csrfRawLen   = csrfNonceLen + csrfMACLen
	csrfTokenLen = 64 // base64.RawURLEncoding.EncodedLen(csrfRawLen)
	csrfDomain   = "rampart-csrf-v1\x00"
)

// csrfSigner mints and verifies tokens with one key. It pools HMAC states so
// neither path allocates more than the returned string.
type csrfSigner struct {
	pool sync.Pool
}

type csrfMAC struct {
	h   hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

func newCSRFSigner(key []byte) *csrfSigner {
	k := bytes.Clone(key)
	s := &csrfSigner{}
	s.pool.New = func() any {
		return &csrfMAC{h: hmac.New(sha256.New, k), buf: make([]byte, 0, 128)}
	}
	return s
}

// mac writes HMAC(key, csrfDomain || binding || nonce) to dst.
func (s *csrfSigner) mac(dst []byte, binding string, nonce []byte) {
	m := s.pool.Get().(*csrfMAC)
	m.buf = append(append(append(m.buf[:0], csrfDomain...), binding...), nonce...)
	m.h.Reset()
	m.h.Write(m.buf)
	copy(dst, m.h.Sum(m.sum[:0])[:csrfMACLen])
	if cap(m.buf) <= 1024 {
		s.pool.Put(m)
	}
}

// mint returns a new token for binding.
func (s *csrfSigner) mint(binding string) string {
	var raw [csrfRawLen]byte
	_, _ = rand.Read(raw[:csrfNonceLen]) // crypto/rand.Read never fails on supported platforms
	s.mac(raw[csrfNonceLen:], binding, raw[:csrfNonceLen])
	var out [csrfTokenLen]byte
	base64.RawURLEncoding.Encode(out[:], raw[:])
	return string(out[:])
}

// verify reports whether token was minted for binding. Any length but the
// exact 64 characters is refused before decoding (a stricter bound than the
// 256 the design asks for), so hostile input costs nothing; the MAC
// comparison is constant-time.
func (s *csrfSigner) verify(binding, token string) bool {
	if len(token) != csrfTokenLen {
		return false
	}
	var raw [csrfRawLen + 3]byte
	n, err := base64.RawURLEncoding.Strict().Decode(raw[:], []byte(token))
	if err != nil || n != csrfRawLen {
		return false
	}
	var want [csrfMACLen]byte
	s.mac(want[:], binding, raw[:csrfNonceLen])
	return hmac.Equal(want[:], raw[csrfNonceLen:csrfRawLen])
}

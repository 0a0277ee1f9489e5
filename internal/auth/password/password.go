// Package password hashes and verifies passwords with argon2id, encoded in
// the PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so the
// hashes are portable to other argon2 implementations.
//
// Hashing is deliberately expensive (19 MiB of memory per hash), so a Hasher
// runs at most a fixed number of hashes at once and refuses, with ErrBusy,
// callers that would wait longer than a bound: a login flood degrades into
// 503s instead of exhausting memory.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // iterations
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams returns OWASP's minimum recommendation for argon2id:
// m=19 MiB, t=2, p=1, with a 16-byte salt and a 32-byte key.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Errors returned by a Hasher.
var (
	// ErrBusy: too many hashes are running and the wait bound passed.
	ErrBusy = errors.New("password: hasher saturated")
	// ErrMalformedHash: the stored string is not an argon2id PHC string.
	ErrMalformedHash = errors.New("password: malformed hash")
)

// Hasher hashes and verifies passwords with bounded concurrency.
type Hasher struct {
	params  Params
	sem     chan struct{}
	maxWait time.Duration
}

// NewHasher returns a Hasher with p, running at most concurrency hashes at
// once (<= 0 means GOMAXPROCS) and waiting at most maxWait for a slot
// (<= 0 means 5 s).
func NewHasher(p Params, concurrency int, maxWait time.Duration) *Hasher {
	if concurrency <= 0 {
		concurrency = runtime.GOMAXPROCS(0)
	}
	if maxWait <= 0 {
		maxWait = 5 * time.Second
	}
	return &Hasher{params: p, sem: make(chan struct{}, concurrency), maxWait: maxWait}
}

// Hash returns the PHC string of password with a fresh random salt.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encode(h.params, salt, key), nil
}

// Verify reports whether password matches the PHC string encoded. needsRehash
// is true on a match whose parameters differ from the Hasher's, so the caller
// can store a fresh hash. It returns ErrMalformedHash for an unreadable hash
// and ErrBusy when saturated.
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, needsRehash bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	cur := h.params
	// #nosec G115 -- decode bounds the salt to 64 bytes and the key to 128.
	return true, p.Memory != cur.Memory || p.Time != cur.Time || p.Threads != cur.Threads ||
		uint32(len(salt)) < cur.SaltLen || uint32(len(want)) != cur.KeyLen, nil
}

func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p Params) ([]byte, error) {
	// Checked first: with a free slot, the select below would pick the slot
	// or ctx.Done() at random, and a caller already gone must not cost a hash.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	timer := time.NewTimer(h.maxWait)
	defer timer.Stop()
	select {
	case h.sem <- struct{}{}:
	case <-timer.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.sem }()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

var b64 = base64.RawStdEncoding

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Bounds on what a stored hash may ask for (256 MiB, 16 passes, 16 lanes):
// a tampered row must not make one verification arbitrarily expensive.
const (
	maxMemoryKiB = 256 << 10
	maxTime      = 16
	maxThreads   = 16
)

// decode parses a PHC string strictly: exactly "$argon2id$v=19$m=M,t=T,p=P$salt$key"
// with decimal numbers and no trailing text anywhere.
func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v=19" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	m, okM := decimalField(fields[0], "m=", maxMemoryKiB)
	t, okT := decimalField(fields[1], "t=", maxTime)
	p, okP := decimalField(fields[2], "p=", maxThreads)
	if !okM || !okT || !okP {
		return Params{}, nil, nil, ErrMalformedHash
	}
	salt, err := b64.Strict().DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	key, err := b64.Strict().DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	// #nosec G115 -- decimalField bounds m, t and p by maxMemoryKiB, maxTime and maxThreads; the lengths are checked above.
	return Params{Memory: uint32(m), Time: uint32(t), Threads: uint8(p),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}, salt, key, nil
}

// decimalField parses "<prefix><digits>" with 1 <= value <= max.
func decimalField(s, prefix string, max uint64) (uint64, bool) {
	digits, ok := strings.CutPrefix(s, prefix)
	if !ok || digits == "" || len(digits) > 10 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil || v == 0 || v > max {
		return 0, false
	}
	return v, true
}

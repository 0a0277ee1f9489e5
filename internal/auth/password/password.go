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

// maxMemoryKiB caps what a stored hash may ask for (1 GiB), so a tampered
// row cannot make verification allocate without bound.
const maxMemoryKiB = 1 << 20

func decode(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var p Params
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil || n != 3 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	if p.Memory == 0 || p.Memory > maxMemoryKiB || p.Time == 0 || p.Time > 64 || p.Threads == 0 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return Params{}, nil, nil, ErrMalformedHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

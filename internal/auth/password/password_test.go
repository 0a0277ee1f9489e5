package password

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// cheap are the smallest parameters argon2id accepts: for tests that are
// about the Hasher's behaviour rather than its cost.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// phc is the shape of a hash with DefaultParams.
var phc = regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashWithDefaultParamsIsAPHCString(t *testing.T) {
	h := NewHasher(DefaultParams(), 0, 0)
	const pw = "correct horse battery staple"
	encoded, err := h.Hash(t.Context(), pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	if !phc.MatchString(encoded) {
		t.Errorf("Hash = %q, want the PHC string $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", encoded)
	}
	if ok, rehash, err := h.Verify(t.Context(), pw, encoded); err != nil || !ok || rehash {
		t.Errorf("Verify = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

func TestHashThenVerify(t *testing.T) {
	h := NewHasher(cheap, 0, 0)
	const pw = "correct horse battery staple"
	encoded, err := h.Hash(t.Context(), pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	cases := []struct {
		name     string
		password string
		want     bool
	}{
		{"the right password verifies", pw, true},
		{"a wrong password does not verify", "correct horse battery stapler", false},
		{"a different case does not verify", strings.ToUpper(pw), false},
		{"a prefix does not verify", pw[:12], false},
		{"an empty password does not verify", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), tc.password, encoded)
			if err != nil || ok != tc.want || rehash {
				t.Errorf("Verify = %v, %v, %v; want %v, false, nil", ok, rehash, err, tc.want)
			}
		})
	}
}

func TestHashUsesAFreshSaltEachTime(t *testing.T) {
	h := NewHasher(cheap, 0, 0)
	a, errA := h.Hash(t.Context(), "same password here")
	b, errB := h.Hash(t.Context(), "same password here")
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a == b {
		t.Errorf("two hashes of one password are equal: %s", a)
	}
}

func TestLongAndUnicodePasswordsAreNotTruncated(t *testing.T) {
	h := NewHasher(cheap, 0, 0)
	long := strings.Repeat("🔑", 128)
	encoded, err := h.Hash(t.Context(), long)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pw string
		want     bool
	}{
		{"the whole password verifies", long, true},
		{"the password less its last character does not", strings.Repeat("🔑", 127), false},
		{"the password with its last byte changed does not", long[:len(long)-1] + "\x8a", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ok, _, err := h.Verify(t.Context(), tc.pw, encoded); err != nil || ok != tc.want {
				t.Errorf("Verify = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
}

func TestVerifyAsksForARehashWhenParametersChanged(t *testing.T) {
	// Verify derives with the stored hash's parameters, so only those cost
	// anything; the current ones are small to keep the test fast.
	base := Params{Memory: 256, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	with := func(change func(*Params)) Params {
		p := base
		change(&p)
		return p
	}
	cases := []struct {
		name    string
		current Params
		stored  Params
		rehash  bool
	}{
		{"a hash with the current parameters needs no rehash", base, base, false},
		{"an OWASP-default hash under OWASP defaults needs no rehash", DefaultParams(), DefaultParams(), false},
		{"an older m=8192,t=1 hash under OWASP defaults needs a rehash", DefaultParams(), Params{Memory: 8192, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, true},
		{"a hash with less memory needs a rehash", base, with(func(p *Params) { p.Memory = 128 }), true},
		{"a hash with more memory needs a rehash", base, with(func(p *Params) { p.Memory = 512 }), true},
		{"a hash with fewer passes needs a rehash", base, with(func(p *Params) { p.Time = 1 }), true},
		{"a hash with more threads needs a rehash", base, with(func(p *Params) { p.Threads = 2 }), true},
		{"a hash with a shorter salt needs a rehash", base, with(func(p *Params) { p.SaltLen = 8 }), true},
		{"a hash with a longer salt needs no rehash", base, with(func(p *Params) { p.SaltLen = 32 }), false},
		{"a hash with a shorter key needs a rehash", base, with(func(p *Params) { p.KeyLen = 16 }), true},
		{"a hash with a longer key needs a rehash", base, with(func(p *Params) { p.KeyLen = 64 }), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stored, err := NewHasher(tc.stored, 0, 0).Hash(t.Context(), "an old password")
			if err != nil {
				t.Fatal(err)
			}
			current := NewHasher(tc.current, 0, 0)
			ok, rehash, err := current.Verify(t.Context(), "an old password", stored)
			if err != nil || !ok || rehash != tc.rehash {
				t.Errorf("Verify(%s) = %v, %v, %v; want true, %v, nil", stored, ok, rehash, err, tc.rehash)
			}
		})
	}
}

func TestAWrongPasswordNeverAsksForARehash(t *testing.T) {
	old, err := NewHasher(Params{Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 0, 0).Hash(t.Context(), "an old password")
	if err != nil {
		t.Fatal(err)
	}
	if ok, rehash, err := NewHasher(cheap, 0, 0).Verify(t.Context(), "a wrong password", old); ok || rehash || err != nil {
		t.Errorf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func TestVerifyRefusesMalformedHashes(t *testing.T) {
	salt := base64.RawStdEncoding.EncodeToString([]byte("saltsaltsaltsalt"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	if _, _, _, err := decode(good); err != nil {
		t.Fatalf("the well-formed base case does not decode: %v", err)
	}
	cases := []struct{ name, hash string }{
		{"an empty string is malformed", ""},
		{"a bcrypt hash is malformed", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i is the wrong algorithm", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"argon2d is the wrong algorithm", "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"an old argon2 version is malformed", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"trailing text after the version is malformed", "$argon2id$v=19junk$m=64,t=1,p=1$" + salt + "$" + key},
		{"trailing text after the lanes is malformed", "$argon2id$v=19$m=64,t=1,p=1garbage$" + salt + "$" + key},
		{"a space before a number is malformed", "$argon2id$v=19$m= 64,t=1,p=1$" + salt + "$" + key},
		{"a leading zero is malformed", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key},
		{"reordered parameters are malformed", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"memory above 256 MiB is refused", "$argon2id$v=19$m=262145,t=1,p=1$" + salt + "$" + key},
		{"more than 16 passes are refused", "$argon2id$v=19$m=64,t=17,p=1$" + salt + "$" + key},
		{"more than 16 lanes are refused", "$argon2id$v=19$m=64,t=1,p=17$" + salt + "$" + key},
		{"a missing version is malformed", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"a missing key is malformed", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"an extra field is malformed", good + "$extra"},
		{"text before the first dollar is malformed", "x" + good},
		{"a missing parameter is malformed", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key},
		{"parameters in another order are malformed", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"absurd memory is malformed", "$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key},
		{"memory beyond uint32 is malformed", "$argon2id$v=19$m=99999999999,t=1,p=1$" + salt + "$" + key},
		{"negative memory is malformed", "$argon2id$v=19$m=-1,t=1,p=1$" + salt + "$" + key},
		{"zero memory is malformed", "$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key},
		{"zero time is malformed", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"absurd time is malformed", "$argon2id$v=19$m=64,t=1000,p=1$" + salt + "$" + key},
		{"zero threads are malformed", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"threads beyond uint8 are malformed", "$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key},
		{"bad base64 in the salt is malformed", "$argon2id$v=19$m=64,t=1,p=1$!!!!!!!!!!!!$" + key},
		{"bad base64 in the key is malformed", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$!!!!"},
		{"padded base64 is malformed", "$argon2id$v=19$m=64,t=1,p=1$" + base64.StdEncoding.EncodeToString([]byte("saltsaltsaltsalt")) + "$" + key},
		{"a short salt is malformed", "$argon2id$v=19$m=64,t=1,p=1$" + base64.RawStdEncoding.EncodeToString([]byte("short")) + "$" + key},
		{"a short key is malformed", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + base64.RawStdEncoding.EncodeToString(make([]byte, 8))},
		{"an empty salt is malformed", "$argon2id$v=19$m=64,t=1,p=1$$" + key},
	}
	h := NewHasher(cheap, 0, 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), "whatever password", tc.hash)
			if !errors.Is(err, ErrMalformedHash) || ok || rehash {
				t.Errorf("Verify(%q) = %v, %v, %v; want false, false, ErrMalformedHash", tc.hash, ok, rehash, err)
			}
		})
	}
}

func TestAHasherRefusesWhenSaturated(t *testing.T) {
	h := NewHasher(cheap, 1, 10*time.Millisecond)
	encoded, err := h.Hash(t.Context(), "a password to check")
	if err != nil {
		t.Fatal(err)
	}
	h.sem <- struct{}{} // another hash holds the only slot

	if _, err := h.Hash(t.Context(), "a password to hash"); !errors.Is(err, ErrBusy) {
		t.Errorf("Hash while saturated: err = %v, want ErrBusy", err)
	}
	if ok, _, err := h.Verify(t.Context(), "a password to check", encoded); !errors.Is(err, ErrBusy) || ok {
		t.Errorf("Verify while saturated = %v, %v; want false, ErrBusy", ok, err)
	}

	<-h.sem // the other hash finishes
	if ok, _, err := h.Verify(t.Context(), "a password to check", encoded); err != nil || !ok {
		t.Errorf("Verify after the slot freed = %v, %v; want true, nil", ok, err)
	}
}

func TestACancelledContextStopsHashing(t *testing.T) {
	cases := []struct {
		name     string
		slotHeld bool
	}{
		{"a cancelled caller waiting for a slot gets its context error", true},
		{"a cancelled caller with a free slot gets its context error", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A long wait bound: only the context can end the wait.
			h := NewHasher(cheap, 1, time.Hour)
			encoded, err := h.Hash(t.Context(), "a password to check")
			if err != nil {
				t.Fatal(err)
			}
			if tc.slotHeld {
				h.sem <- struct{}{}
				defer func() { <-h.sem }()
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			// Repeat: with a free slot a select between two ready cases
			// would pick either at random.
			for range 50 {
				if got, err := h.Hash(ctx, "a password to hash"); !errors.Is(err, context.Canceled) || got != "" {
					t.Fatalf("Hash = %q, %v; want \"\", context.Canceled", got, err)
				}
				if ok, _, err := h.Verify(ctx, "a password to check", encoded); !errors.Is(err, context.Canceled) || ok {
					t.Fatalf("Verify = %v, %v; want false, context.Canceled", ok, err)
				}
			}
		})
	}
}

func TestNewHasherDefaults(t *testing.T) {
	h := NewHasher(cheap, 0, 0)
	if cap(h.sem) < 1 || h.maxWait != 5*time.Second {
		t.Errorf("NewHasher(p, 0, 0): %d slots, wait %v; want GOMAXPROCS slots and 5s", cap(h.sem), h.maxWait)
	}
	if h := NewHasher(cheap, 3, time.Second); cap(h.sem) != 3 || h.maxWait != time.Second {
		t.Errorf("NewHasher(p, 3, 1s): %d slots, wait %v", cap(h.sem), h.maxWait)
	}
}

// argon2CLI runs the reference argon2 command-line tool (Debian package
// argon2) with password on stdin, skipping the test when it is missing.
func argon2CLI(t *testing.T, password string, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("argon2")
	if err != nil {
		t.Skip("the argon2 reference CLI is not installed (apt-get install argon2)")
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(password)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("argon2 %v: %v", args, err)
	}
	return strings.TrimSpace(string(out))
}

func TestHashesMatchTheReferenceImplementation(t *testing.T) {
	cases := []struct {
		name     string
		password string
		salt     string
	}{
		{"an ASCII password matches the reference", "correct horse battery staple", "saltsaltsalt1234"},
		{"a Unicode password matches the reference", "pässwörd-🔐-密码", "0123456789abcdef"},
		{"a longer salt matches the reference", "another password", "a-thirty-two-byte-salt-for-tests"},
	}
	h := NewHasher(DefaultParams(), 0, 0)
	p := DefaultParams()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{tc.salt, "-id", "-t", "2", "-k", "19456", "-p", "1", "-l", "32"}
			refEncoded := argon2CLI(t, tc.password, append(args, "-e")...)
			refRaw := argon2CLI(t, tc.password, append(args, "-r")...)

			key, err := h.derive(t.Context(), tc.password, []byte(tc.salt), p)
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(key); got != refRaw {
				t.Errorf("raw key = %s, reference = %s", got, refRaw)
			}
			if got := encode(p, []byte(tc.salt), key); got != refEncoded {
				t.Errorf("encoded = %s\nreference = %s", got, refEncoded)
			}
			ok, rehash, err := h.Verify(t.Context(), tc.password, refEncoded)
			if err != nil || !ok || rehash {
				t.Errorf("Verify(reference hash) = %v, %v, %v; want true, false, nil", ok, rehash, err)
			}
		})
	}
}

func TestOlderReferenceHashesVerifyAndAskForRehash(t *testing.T) {
	const pw = "an old password"
	ref := argon2CLI(t, pw, "saltsaltsalt1234", "-id", "-t", "1", "-k", "8192", "-p", "1", "-l", "32", "-e")
	if !strings.Contains(ref, "m=8192,t=1,p=1") {
		t.Fatalf("unexpected reference hash %q", ref)
	}
	ok, rehash, err := NewHasher(DefaultParams(), 0, 0).Verify(t.Context(), pw, ref)
	if err != nil || !ok || !rehash {
		t.Errorf("Verify(older reference hash) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
}

func FuzzVerifyMalformed(f *testing.F) {
	salt := base64.RawStdEncoding.EncodeToString([]byte("saltsaltsaltsalt"))
	key := base64.RawStdEncoding.EncodeToString(make([]byte, 32))
	for _, s := range []string{
		"", "$", "$$$$$", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$!!$" + key,
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
	} {
		f.Add(s)
	}
	h := NewHasher(cheap, 1, time.Minute)
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := decode(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("decode(%q) error %v, want ErrMalformedHash", s, err)
			}
			return
		}
		if p.Memory == 0 || p.Memory > maxMemoryKiB || p.Time == 0 || p.Time > 64 || p.Threads == 0 ||
			len(salt) < 8 || len(key) < 16 || len(key) > 128 ||
			p.SaltLen != uint32(len(salt)) || p.KeyLen != uint32(len(key)) {
			t.Fatalf("decode(%q) accepted out-of-bounds values: %+v salt %d key %d", s, p, len(salt), len(key))
		}
		again, salt2, key2, err := decode(encode(p, salt, key))
		if err != nil || again != p || string(salt2) != string(salt) || string(key2) != string(key) {
			t.Fatalf("decode(encode(decode(%q))) does not round-trip: %v", s, err)
		}
		// Only cheap hashes are worth deriving under the fuzzer.
		if p.Memory <= 256 && p.Time <= 2 && p.Threads <= 4 {
			if _, _, err := h.Verify(t.Context(), "password", s); err != nil {
				t.Fatalf("Verify(%q) = %v after a successful decode", s, err)
			}
		}
	})
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultParams(), 0, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h := NewHasher(DefaultParams(), 0, 0)
	ctx := context.Background()
	encoded, err := h.Hash(ctx, "correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, "correct horse battery staple", encoded); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

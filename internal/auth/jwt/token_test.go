package jwt_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"maps"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
)

// TestVerifyAccessRefusesEveryAttack builds tokens that differ from a valid
// one in a single respect; each must be refused with the bare
// ErrInvalidToken, which says nothing of the reason.
func TestVerifyAccessRefusesEveryAttack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	now := e.clock.Now()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	hdr := func(alg string) map[string]any { return map[string]any{"alg": alg, "typ": "JWT", "kid": e.key.ID} }
	claims := func(change func(gojwt.MapClaims)) gojwt.MapClaims {
		c := gojwt.MapClaims{
			"sub": uuid.NewString(), "fam": uuid.NewString(), "jti": uuid.NewString(), "typ": "access",
			"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(), "role": "user",
		}
		if change != nil {
			change(c)
		}
		return c
	}
	hs := func(header map[string]any, c gojwt.MapClaims) string {
		return sign(t, gojwt.SigningMethodHS256, e.key.Secret, header, c)
	}
	valid := hs(hdr("HS256"), claims(nil))
	parts := strings.Split(valid, ".")
	without := func(name string) func(gojwt.MapClaims) { return func(c gojwt.MapClaims) { delete(c, name) } }
	set := func(name string, v any) func(gojwt.MapClaims) { return func(c gojwt.MapClaims) { c[name] = v } }
	refreshToken := hs(hdr("HS256"), claims(set("typ", "refresh")))
	withHeader := func(name string, v any) map[string]any {
		h := hdr("HS256")
		if v == nil {
			delete(h, name)
		} else {
			h[name] = v
		}
		return h
	}
	// big is a valid token of about size bytes.
	big := func(size int) string {
		return hs(hdr("HS256"), claims(set("pad", strings.Repeat("x", size*3/4-200))))
	}

	if _, err := e.svc.VerifyAccess(context.Background(), valid); err != nil {
		t.Fatalf("the unaltered token is refused (%v): the cases below would prove nothing", err)
	}
	if tok := big(7 << 10); len(tok) > jwt.MaxTokenSize {
		t.Fatalf("a 7 KiB token is %d bytes", len(tok))
	} else if _, err := e.svc.VerifyAccess(context.Background(), tok); err != nil {
		t.Fatalf("a valid 7 KiB token is refused (%v): the size case would prove nothing", err)
	}

	cases := []struct {
		name  string
		token string
	}{
		{"alg none without a signature is refused", seg(t, hdr("none")) + "." + parts[1] + "."},
		{"alg none carrying the HMAC signature is refused", seg(t, hdr("none")) + "." + parts[1] + "." + parts[2]},
		{"alg None is refused", seg(t, hdr("None")) + "." + parts[1] + "."},
		{"HS256 with the signature stripped is refused", parts[0] + "." + parts[1] + "."},
		{"an RS256 token is refused", sign(t, gojwt.SigningMethodRS256, rsaKey, hdr("RS256"), claims(nil))},
		{"an ES256 token is refused", sign(t, gojwt.SigningMethodES256, ecKey, hdr("ES256"), claims(nil))},
		{"an RS256 header over an HMAC signature is refused",
			seg(t, hdr("RS256")) + "." + parts[1] + "." + strings.Split(hs(hdr("RS256"), claims(nil)), ".")[2]},
		{"HS512 under our key is refused", sign(t, gojwt.SigningMethodHS512, e.key.Secret, hdr("HS512"), claims(nil))},
		{"HS256 under another key is refused", sign(t, gojwt.SigningMethodHS256, testKey(t, 'x').Secret, hdr("HS256"), claims(nil))},
		{"another sub under the original signature is refused",
			parts[0] + "." + seg(t, claims(set("sub", uuid.NewString()))) + "." + parts[2]},
		{"a later exp under the original signature is refused",
			parts[0] + "." + seg(t, claims(set("exp", now.Add(time.Hour).Unix()))) + "." + parts[2]},
		{"an expired token is refused", hs(hdr("HS256"), claims(set("exp", now.Add(-jwt.Leeway-time.Second).Unix())))},
		{"a token not valid before a minute from now is refused", hs(hdr("HS256"), claims(set("nbf", now.Add(time.Minute).Unix())))},
		{"a token issued a minute from now is refused", hs(hdr("HS256"), claims(set("iat", now.Add(time.Minute).Unix())))},
		{"a refresh token is refused", refreshToken},
		{"an unknown typ is refused", hs(hdr("HS256"), claims(set("typ", "id")))},
		{"an unknown kid is refused", hs(withHeader("kid", "0123456789abcdef"), claims(nil))},
		{"a missing kid is refused", hs(withHeader("kid", nil), claims(nil))},
		{"a numeric kid is refused", hs(withHeader("kid", 7), claims(nil))},
		{"a crit header is refused", hs(withHeader("crit", []string{"exp"}), claims(nil))},
		{"a missing jti is refused", hs(hdr("HS256"), claims(without("jti")))},
		{"a missing iat is refused", hs(hdr("HS256"), claims(without("iat")))},
		{"a missing exp is refused", hs(hdr("HS256"), claims(without("exp")))},
		{"a missing typ is refused", hs(hdr("HS256"), claims(without("typ")))},
		{"a missing sub is refused", hs(hdr("HS256"), claims(without("sub")))},
		{"a missing fam is refused", hs(hdr("HS256"), claims(without("fam")))},
		{"an exp that is a string is refused", hs(hdr("HS256"), claims(set("exp", "4102444800")))},
		{"a sub that is not a UUID is refused", hs(hdr("HS256"), claims(set("sub", "42")))},
		{"a sub in upper case is refused", hs(hdr("HS256"), claims(set("sub", strings.ToUpper(uuid.NewString()))))},
		{"the nil UUID as sub is refused", hs(hdr("HS256"), claims(set("sub", uuid.Nil.String())))},
		{"a jti that is not a UUID is refused", hs(hdr("HS256"), claims(set("jti", "1")))},
		{"a 9 KiB token is refused", big(9 << 10)},
		{"a padded signature is refused", valid + "="},
		{"two segments are refused", parts[0] + "." + parts[1]},
		{"four segments are refused", valid + "." + parts[2]},
		{"a header that is not JSON is refused", "bm90IGpzb24." + parts[1] + "." + parts[2]},
		{"the empty string is refused", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.svc.VerifyAccess(context.Background(), tc.token)
			if err != jwt.ErrInvalidToken { //nolint:errorlint // the bare sentinel: nothing about the reason may leak
				t.Fatalf("VerifyAccess = %v, want exactly ErrInvalidToken", err)
			}
			if tc.token == refreshToken {
				return // Revoke takes either kind
			}
			if err := e.svc.Revoke(context.Background(), tc.token); err != jwt.ErrInvalidToken { //nolint:errorlint
				t.Fatalf("Revoke = %v, want exactly ErrInvalidToken", err)
			}
		})
	}
}

func TestTokensOfTheOtherKindAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.issue(t, e.user(t), nil)
	if _, err := e.svc.VerifyAccess(context.Background(), p.RefreshToken); err != jwt.ErrInvalidToken { //nolint:errorlint
		t.Fatalf("VerifyAccess(refresh token) = %v, want ErrInvalidToken", err)
	}
	if _, err := e.svc.Refresh(context.Background(), p.AccessToken); err != jwt.ErrInvalidToken { //nolint:errorlint
		t.Fatalf("Refresh(access token) = %v, want ErrInvalidToken", err)
	}
	verify(t, e.svc, p.AccessToken)
	if _, err := e.svc.Refresh(context.Background(), p.RefreshToken); err != nil {
		t.Fatalf("the refresh token no longer works after those attempts: %v", err)
	}
}

func TestExpiryUsesTheLeeway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.issue(t, e.user(t), nil)
	e.clock.Advance(testAccessTTL + jwt.Leeway - time.Second)
	verify(t, e.svc, p.AccessToken)
	e.clock.Advance(time.Second)
	if _, err := e.svc.VerifyAccess(context.Background(), p.AccessToken); err != jwt.ErrInvalidToken { //nolint:errorlint
		t.Fatalf("VerifyAccess at exp + Leeway = %v, want ErrInvalidToken", err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	oldKey, newKey := e.key, testKey(t, 'n')
	user := e.user(t)
	before := e.issue(t, user, map[string]any{"role": "admin"})

	rotated := e.service(t, func(c *jwt.Config) { c.Key, c.Previous = newKey, []jwt.Key{oldKey} })
	if c := verify(t, rotated, before.AccessToken); c.UserID != user {
		t.Fatalf("a token of the previous key verifies as user %v, want %v", c.UserID, user)
	}
	after, err := rotated.Refresh(context.Background(), before.RefreshToken)
	if err != nil {
		t.Fatalf("the previous key's refresh token is refused after rotation: %v", err)
	}
	for _, tok := range []string{after.AccessToken, after.RefreshToken} {
		if h, _ := segments(t, tok); h["kid"] != newKey.ID {
			t.Fatalf("a new token names kid %v, want the new key's %q", h["kid"], newKey.ID)
		}
	}
	if c := verify(t, rotated, after.AccessToken); c.Custom["role"] != "admin" {
		t.Fatalf("custom claims after rotation: %v", c.Custom)
	}

	dropped := e.service(t, func(c *jwt.Config) { c.Key = newKey })
	if _, err := dropped.VerifyAccess(context.Background(), before.AccessToken); err != jwt.ErrInvalidToken { //nolint:errorlint
		t.Fatalf("a token of a dropped key = %v, want ErrInvalidToken", err)
	}
	if _, err := e.svc.VerifyAccess(context.Background(), after.AccessToken); err != jwt.ErrInvalidToken { //nolint:errorlint
		t.Fatalf("the old instance verifies a token of a key it does not know: %v", err)
	}
}

func TestKeyFromMaster(t *testing.T) {
	t.Parallel()
	master := []byte(strings.Repeat("s", 32))
	a, err := jwt.KeyFromMaster(master)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := jwt.KeyFromMaster(master)
	other := testKey(t, 'o')
	switch {
	case len(a.ID) != 16 || strings.Trim(a.ID, "0123456789abcdef") != "":
		t.Fatalf("ID %q is not 16 lower-case hex characters", a.ID)
	case len(a.Secret) != jwt.KeySize:
		t.Fatalf("Secret is %d bytes", len(a.Secret))
	case a.ID != b.ID || string(a.Secret) != string(b.Secret):
		t.Fatal("the same master gives different keys")
	case a.ID == other.ID || string(a.Secret) == string(other.Secret):
		t.Fatal("different masters give the same key")
	case strings.Contains(string(master), string(a.Secret[:8])):
		t.Fatal("the secret is not derived")
	}
	if _, err := jwt.KeyFromMaster(master[:31]); err == nil {
		t.Fatal("a 31-byte master was accepted")
	}
}

func TestNewRefusesInvalidConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good := func() jwt.Config {
		return jwt.Config{Pool: e.pool, Key: e.key, Denylist: e.deny}
	}
	cases := []struct {
		name   string
		change func(*jwt.Config)
	}{
		{"a nil pool is refused", func(c *jwt.Config) { c.Pool = nil }},
		{"a nil denylist is refused", func(c *jwt.Config) { c.Denylist = nil }},
		{"a short secret is refused", func(c *jwt.Config) { c.Key.Secret = c.Key.Secret[:31] }},
		{"an empty key id is refused", func(c *jwt.Config) { c.Key.ID = "" }},
		{"a key id with a quote is refused", func(c *jwt.Config) { c.Key.ID = `a"b` }},
		{"a 65-character key id is refused", func(c *jwt.Config) { c.Key.ID = strings.Repeat("a", 65) }},
		{"a previous key with the current id is refused", func(c *jwt.Config) { c.Previous = []jwt.Key{c.Key} }},
		{"a short previous secret is refused", func(c *jwt.Config) { c.Previous = []jwt.Key{{ID: "old", Secret: []byte("short")}} }},
		{"a negative access TTL is refused", func(c *jwt.Config) { c.AccessTTL = -time.Minute }},
		{"a sub-second access TTL is refused", func(c *jwt.Config) { c.AccessTTL = time.Millisecond }},
		{"a refresh TTL shorter than the access TTL is refused", func(c *jwt.Config) { c.AccessTTL, c.RefreshTTL = time.Hour, time.Minute }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.change(&cfg)
			if s, err := jwt.New(cfg); err == nil || s != nil {
				t.Fatalf("New = %v, %v; want an error", s, err)
			}
		})
	}
	t.Run("zero TTLs take the defaults", func(t *testing.T) {
		s, err := jwt.New(good())
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.IssuePair(context.Background(), e.user(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, access := segments(t, p.AccessToken)
		_, refresh := segments(t, p.RefreshToken)
		if p.ExpiresIn != int(jwt.DefaultAccessTTL/time.Second) ||
			refresh["exp"].(float64)-refresh["iat"].(float64) != jwt.DefaultRefreshTTL.Seconds() ||
			access["exp"].(float64)-access["iat"].(float64) != jwt.DefaultAccessTTL.Seconds() {
			t.Fatalf("lifetimes: expires_in %d, access %v, refresh %v", p.ExpiresIn, access, refresh)
		}
	})
}

func TestTokensCarryExactlyTheDocumentedClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.issue(t, e.user(t), map[string]any{"role": "admin"})
	ah, access := segments(t, p.AccessToken)
	_, refresh := segments(t, p.RefreshToken)
	if want := map[string]any{"alg": "HS256", "typ": "JWT", "kid": e.key.ID}; !maps.Equal(ah, want) {
		t.Fatalf("header %v, want %v", ah, want)
	}
	names := func(m map[string]any) []string {
		var out []string
		for k := range maps.Keys(m) {
			out = append(out, k)
		}
		return out
	}
	if len(access) != 7 || access["typ"] != "access" || access["role"] != "admin" {
		t.Fatalf("access claims %v", names(access))
	}
	if len(refresh) != 6 || refresh["typ"] != "refresh" || refresh["fam"] != access["fam"] || refresh["jti"] == access["jti"] {
		t.Fatalf("refresh claims %v", refresh)
	}
}

// Verified access tokens are cached; each caller still gets claims of its
// own, and the time window is checked again on every use.
func TestVerifiedTokenCacheIsolatesCallersAndRechecksTime(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	custom := map[string]any{"role": "admin", "org": map[string]any{"id": "o1"}}
	flat := e.issue(t, e.user(t), map[string]any{"role": "admin"})
	nested := e.issue(t, e.user(t), custom)
	ctx := context.Background()

	for _, tok := range []string{flat.AccessToken, nested.AccessToken} {
		first, err := e.svc.VerifyAccess(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		first.Custom["role"] = "attacker"
		if org, ok := first.Custom["org"].(map[string]any); ok {
			org["id"] = "o2"
		}
		second, err := e.svc.VerifyAccess(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		if second.Custom["role"] != "admin" {
			t.Fatalf("a caller's change to its claims reached the next caller: %v", second.Custom)
		}
		if org, ok := second.Custom["org"].(map[string]any); ok && org["id"] != "o1" {
			t.Fatalf("a nested claim changed by a caller reached the next caller: %v", second.Custom)
		}
	}

	// A clock set back before iat - Leeway refuses the token it accepted.
	e.clock.Advance(-time.Hour)
	if _, err := e.svc.VerifyAccess(ctx, flat.AccessToken); err != jwt.ErrInvalidToken { //nolint:errorlint
		t.Fatalf("VerifyAccess before the token was issued = %v, want ErrInvalidToken", err)
	}
	e.clock.Advance(time.Hour)
	verify(t, e.svc, flat.AccessToken)

	// Revoked after being cached: refused at once.
	if err := e.svc.Revoke(ctx, flat.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.VerifyAccess(ctx, flat.AccessToken); err != jwt.ErrRevoked { //nolint:errorlint
		t.Fatalf("VerifyAccess of a cached, then revoked token = %v, want ErrRevoked", err)
	}
}

package http

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"hash"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart-dev/rampart/internal/auth/jwt"
	"github.com/rampart-dev/rampart/internal/auth/keys"
)

var b64url = base64.RawURLEncoding

// jwtParts decodes the header and the claims of token, numbers kept exact.
func jwtParts(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a JWS compact serialization", token)
	}
	decode := func(seg string) map[string]any {
		raw, err := b64url.DecodeString(seg)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		m := map[string]any{}
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	return decode(parts[0]), decode(parts[1])
}

// signJWT builds a token of header and claims, signed by HMAC mac with
// secret (no signature when mac is nil), written out here rather than by the
// library the server uses.
func signJWT(t *testing.T, header, claims map[string]any, mac func() hash.Hash, secret []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64url.EncodeToString(h) + "." + b64url.EncodeToString(c)
	if mac == nil {
		return input + "."
	}
	m := hmac.New(mac, secret)
	m.Write([]byte(input))
	return input + "." + b64url.EncodeToString(m.Sum(nil))
}

// with returns a copy of m with the pairs kv set (a nil value deletes).
func with(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
		} else {
			out[kv[i].(string)] = kv[i+1]
		}
	}
	return out
}

func TestAPIRefusesForgedAccessTokens(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	s.newUser(t, "ada@example.com", strongPassword)
	s.newUser(t, "bob@example.com", strongPassword)
	pair := s.login(t, "ada@example.com", strongPassword)
	header, claims := jwtParts(t, pair.AccessToken)
	_, refreshClaims := jwtParts(t, pair.RefreshToken)
	master := bytes.Repeat([]byte{'m'}, keys.MinMasterSize) // newAPIAuth's
	key := must(jwt.KeyFromMaster(master))
	other := must(jwt.KeyFromMaster(bytes.Repeat([]byte{'o'}, keys.MinMasterSize)))
	if header["kid"] != key.ID {
		t.Fatalf("the server signs with kid %v, not the test key's %s", header["kid"], key.ID)
	}
	bob := s.userID(t, "bob@example.com")
	now := time.Now().Unix()
	sig := pair.AccessToken[strings.LastIndexByte(pair.AccessToken, '.')+1:]
	reSign := func(tok string) string { return tok[:strings.LastIndexByte(tok, '.')+1] + sig }

	// The forger is right: the server's key and claims make a token it takes.
	for _, tc := range []struct {
		name, token, wantID string
	}{
		{"the server's claims signed again", signJWT(t, header, claims, sha256.New, key.Secret), s.userID(t, "ada@example.com")},
		{"another user's id under the server's key", signJWT(t, header, with(claims, "sub", bob), sha256.New, key.Secret), bob},
	} {
		if code, me := s.me(t, bearer(tc.token)); code != http.StatusOK || me.ID != tc.wantID {
			t.Fatalf("control, %s: %d %+v; want 200 as %s", tc.name, code, me, tc.wantID)
		}
	}

	for _, tc := range []struct{ name, token string }{
		{"alg none without a signature", signJWT(t, with(header, "alg", "none"), claims, nil, nil)},
		{"alg none with the original signature", reSign(signJWT(t, with(header, "alg", "none"), claims, nil, nil))},
		{"HS512 under the server's key", signJWT(t, with(header, "alg", "HS512"), claims, sha512.New, key.Secret)},
		{"another key, named by its own kid", signJWT(t, with(header, "kid", other.ID), claims, sha256.New, other.Secret)},
		{"another key, under the server's kid", signJWT(t, header, claims, sha256.New, other.Secret)},
		{"no kid", signJWT(t, with(header, "kid", nil), claims, sha256.New, key.Secret)},
		{"a crit header", signJWT(t, with(header, "crit", []string{"exp"}), claims, sha256.New, key.Secret)},
		{"another user's id, original signature", reSign(signJWT(t, header, with(claims, "sub", bob), nil, nil))},
		{"a later expiry, original signature", reSign(signJWT(t, header, with(claims, "exp", now+86400), nil, nil))},
		{"an expired token", signJWT(t, header, with(claims, "iat", now-7200, "exp", now-3600), sha256.New, key.Secret)},
		{"a token issued in the future", signJWT(t, header, with(claims, "iat", now+3600, "exp", now+7200), sha256.New, key.Secret)},
		{"no expiry", signJWT(t, header, with(claims, "exp", nil), sha256.New, key.Secret)},
		{"a refresh token's claims", signJWT(t, header, refreshClaims, sha256.New, key.Secret)},
		{"a truncated signature", pair.AccessToken[:len(pair.AccessToken)-4]},
		{"a signature with padding", pair.AccessToken + "="},
	} {
		res, body := s.api(t, http.MethodGet, "/api/v1/me", bearer(tc.token), nil)
		wantAPIError(t, tc.name, res, body, http.StatusUnauthorized, "invalid_token")
		wantChallenged(t, tc.name, res)
	}
}

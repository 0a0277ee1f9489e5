package jwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// issued is everything a pair is signed from: one row of jwt_refresh_tokens.
// Signing is deterministic (HS256 over JSON whose map keys are sorted), so the
// same issued value always gives byte-identical tokens under the same key.
type issued struct {
	userID, familyID    uuid.UUID
	refreshID, accessID uuid.UUID
	// issuedAt and both expiries are whole seconds, as the claims carry them.
	issuedAt, refreshExpiresAt, accessExpiresAt time.Time
	// custom is normalised (see normalizeCustom).
	custom map[string]any
}

// errTooLarge: the custom claims make an access token over MaxTokenSize.
var errTooLarge = fmt.Errorf("jwt: custom claims make the access token longer than %d bytes", MaxTokenSize)

// sign returns the pair of p under the current key.
func (s *Service) sign(p issued) (Pair, error) {
	access := gojwt.MapClaims{}
	for k, v := range p.custom {
		access[k] = v
	}
	setRegistered(access, p, TypeAccess, p.accessID, p.accessExpiresAt)
	at, err := s.signClaims(access)
	if err != nil {
		return Pair{}, err
	}
	if len(at) > MaxTokenSize {
		return Pair{}, errTooLarge
	}
	refresh := gojwt.MapClaims{}
	setRegistered(refresh, p, TypeRefresh, p.refreshID, p.refreshExpiresAt)
	rt, err := s.signClaims(refresh)
	if err != nil {
		return Pair{}, err
	}
	return Pair{
		AccessToken:  at,
		RefreshToken: rt,
		TokenType:    "Bearer",
		ExpiresIn:    int(p.accessExpiresAt.Sub(p.issuedAt) / time.Second),
	}, nil
}

func setRegistered(c gojwt.MapClaims, p issued, typ string, id uuid.UUID, exp time.Time) {
	c["sub"] = p.userID.String()
	c["fam"] = p.familyID.String()
	c["jti"] = id.String()
	c["typ"] = typ
	c["iat"] = p.issuedAt.Unix()
	c["exp"] = exp.Unix()
}

func (s *Service) signClaims(c gojwt.MapClaims) (string, error) {
	t := gojwt.NewWithClaims(gojwt.SigningMethodHS256, c)
	t.Header["kid"] = s.key.ID
	signed, err := t.SignedString(s.key.Secret)
	if err != nil {
		return "", fmt.Errorf("jwt: sign: %w", err)
	}
	return signed, nil
}

// verifier parses and verifies tokens. It holds no mutable state (the
// golang-jwt Parser is only read once built) and is safe for concurrent use.
type verifier struct {
	keys   map[string][]byte // by key id
	parser *gojwt.Parser
	now    func() time.Time
	cache  *verifiedCache // access tokens already verified
}

func newVerifier(all []Key, now func() time.Time) *verifier {
	v := &verifier{keys: make(map[string][]byte, len(all)), now: now, cache: newVerifiedCache()}
	for _, k := range all {
		v.keys[k.ID] = k.Secret
	}
	v.parser = gojwt.NewParser(
		// The one algorithm we sign with: none, RS256 (and its HS256
		// public-key confusion), ES256 and the other HMACs are refused
		// before any key is looked up.
		gojwt.WithValidMethods([]string{gojwt.SigningMethodHS256.Alg()}),
		gojwt.WithExpirationRequired(),
		gojwt.WithIssuedAt(),
		gojwt.WithLeeway(Leeway),
		gojwt.WithTimeFunc(now),
		// One spelling per token: no padding, no stray bits.
		gojwt.WithStrictDecoding(),
	)
	return v
}

// errNoKey is the keyfunc's refusal; it never leaves the package.
var errNoKey = errors.New("jwt: no key for this token")

// keyFor returns the secret named by the token's kid.
func (v *verifier) keyFor(t *gojwt.Token) (any, error) {
	if t.Method != gojwt.SigningMethodHS256 {
		return nil, errNoKey
	}
	// RFC 7515 §4.1.11: extensions marked critical must be understood, and
	// we understand none.
	if _, ok := t.Header["crit"]; ok {
		return nil, errNoKey
	}
	kid, _ := t.Header["kid"].(string)
	secret, ok := v.keys[kid]
	if !ok {
		return nil, errNoKey
	}
	return secret, nil
}

// parse verifies raw and returns its claims and typ, or the bare
// ErrInvalidToken whatever the reason.
func (v *verifier) parse(raw string) (Claims, string, error) {
	c, typ, _, err := v.verify(raw)
	return c, typ, err
}

// verify is parse, also returning the earliest instant the token is valid
// at (iat or a later nbf, less Leeway), which the parser has checked.
func (v *verifier) verify(raw string) (Claims, string, time.Time, error) {
	if len(raw) > MaxTokenSize {
		return Claims{}, "", time.Time{}, ErrInvalidToken
	}
	mc := gojwt.MapClaims{}
	t, err := v.parser.ParseWithClaims(raw, mc, v.keyFor)
	if err != nil || !t.Valid {
		return Claims{}, "", time.Time{}, ErrInvalidToken
	}
	c, typ, ok := claimsOf(mc)
	if !ok {
		return Claims{}, "", time.Time{}, ErrInvalidToken
	}
	from := c.IssuedAt
	if nbf, err := mc.GetNotBefore(); err == nil && nbf != nil && nbf.After(from) {
		from = nbf.Time
	}
	return c, typ, from.Add(-Leeway), nil
}

// parseAs is parse, refusing a token whose typ is not typ. Access tokens
// are looked up in, and added to, the cache of verified tokens.
func (v *verifier) parseAs(raw, typ string) (Claims, error) {
	if typ == TypeAccess {
		if c, ok := v.cache.get(raw, v.now()); ok {
			return c, nil
		}
	}
	c, got, from, err := v.verify(raw)
	if err != nil {
		return Claims{}, err
	}
	if got != typ {
		return Claims{}, ErrInvalidToken
	}
	if typ == TypeAccess {
		v.cache.put(raw, c, from, c.ExpiresAt.Add(Leeway))
	}
	return c, nil
}

// claimsOf checks the claims the parser does not (exp and nbf it has
// checked): typ, the three UUIDs and iat.
func claimsOf(mc gojwt.MapClaims) (Claims, string, bool) {
	typ, _ := mc["typ"].(string)
	if typ != TypeAccess && typ != TypeRefresh {
		return Claims{}, "", false
	}
	sub, okSub := uuidClaim(mc, "sub")
	fam, okFam := uuidClaim(mc, "fam")
	jti, okJTI := uuidClaim(mc, "jti")
	iat, errIat := mc.GetIssuedAt()
	exp, errExp := mc.GetExpirationTime()
	if !okSub || !okFam || !okJTI || errIat != nil || iat == nil || errExp != nil || exp == nil {
		return Claims{}, "", false
	}
	custom := make(map[string]any, len(mc))
	for k, v := range mc {
		if !reserved(k) {
			custom[k] = v
		}
	}
	return Claims{
		UserID: sub, ID: jti.String(), FamilyID: fam,
		IssuedAt: iat.Time, ExpiresAt: exp.Time, Custom: custom,
	}, typ, true
}

// uuidClaim returns the claim name as a UUID; it must be a string in the
// canonical lower-case form we issue, and not the nil UUID.
func uuidClaim(mc gojwt.MapClaims, name string) (uuid.UUID, bool) {
	s, ok := mc[name].(string)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil && id != uuid.Nil && id.String() == s
}

// reserved reports whether a claim name is one the package sets itself.
func reserved(name string) bool {
	switch name {
	case "sub", "exp", "iat", "nbf", "jti", "typ", "iss", "aud", "fam":
		return true
	}
	return false
}

// normalizeCustom refuses reserved names and returns the custom claims as
// they will read after a trip through JSON (and PostgreSQL's jsonb), with
// their JSON. Signing the normalised map, not the caller's, is what makes a
// pair signed again from the database byte-identical to the first signing.
// nil and empty give an empty map and "{}".
func normalizeCustom(custom map[string]any) (map[string]any, []byte, error) {
	for k := range custom {
		if reserved(k) {
			return nil, nil, fmt.Errorf("%w: %q", ErrReservedClaim, k)
		}
	}
	if len(custom) == 0 {
		return map[string]any{}, []byte("{}"), nil
	}
	b, err := json.Marshal(custom)
	if err != nil {
		return nil, nil, fmt.Errorf("jwt: custom claims: %w", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, nil, fmt.Errorf("jwt: custom claims: %w", err)
	}
	if hasNUL(out) {
		// jsonb cannot store U+0000.
		return nil, nil, errors.New("jwt: custom claims: a name or string contains U+0000")
	}
	if b, err = json.Marshal(out); err != nil {
		return nil, nil, fmt.Errorf("jwt: custom claims: %w", err)
	}
	return out, b, nil
}

// hasNUL reports whether a decoded JSON value holds U+0000 in a string or an
// object member name.
func hasNUL(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) >= 0
	case []any:
		for _, e := range v {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range v {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// decodeCustom reads custom claims stored by normalizeCustom.
func decodeCustom(b []byte) (map[string]any, error) {
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("jwt: stored custom claims: %w", err)
	}
	return out, nil
}

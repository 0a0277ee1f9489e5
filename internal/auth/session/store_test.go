package session_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/internal/db/dbtest"
)

// clock is a settable time source shared by the store and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *clock) Advance(d time.Duration) { c.Set(c.Now().Add(d)) }

type fixture struct {
	pool  *pgxpool.Pool
	store *session.Store
	clock *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := dbtest.New(t)
	c := newClock()
	return &fixture{pool: pool, store: session.NewStore(pool, c.Now), clock: c}
}

func (f *fixture) user(t *testing.T, email string) uuid.UUID {
	t.Helper()
	u, err := db.New(f.pool).CreateUser(t.Context(), db.CreateUserParams{Email: email, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func (f *fixture) create(t *testing.T, userID uuid.UUID) (string, session.Session) {
	t.Helper()
	token, s, err := f.store.Create(t.Context(), nil, userID, session.Meta{IP: "192.0.2.1", UserAgent: "test"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return token, s
}

func (f *fixture) storedLastSeen(t *testing.T, id uuid.UUID) time.Time {
	t.Helper()
	var ts time.Time
	if err := f.pool.QueryRow(t.Context(), `SELECT last_seen_at FROM sessions WHERE id = $1`, id).Scan(&ts); err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestCreateReturnsARandomTokenAndStoresOnlyItsHash(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, "ada@example.com")
	token, s, err := f.store.Create(t.Context(), db.New(f.pool), uid, session.Meta{IP: "203.0.113.9", UserAgent: "Firefox"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) != 32 || len(token) != 43 {
		t.Fatalf("token %q is not 32 bytes in unpadded base64url (err %v)", token, err)
	}
	var hash []byte
	var ip, ua string
	var expires, created time.Time
	err = f.pool.QueryRow(t.Context(),
		`SELECT token_hash, ip, user_agent, expires_at, created_at FROM sessions WHERE id = $1`, s.ID).
		Scan(&hash, &ip, &ua, &expires, &created)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte(token))
	if string(hash) != string(want[:]) {
		t.Errorf("token_hash is not sha256(token)")
	}
	if strings.Contains(string(hash), token) || string(hash) == string(raw) {
		t.Errorf("the database holds the token itself")
	}
	if ip != "203.0.113.9" || ua != "Firefox" {
		t.Errorf("stored ip %q ua %q", ip, ua)
	}
	if !expires.Equal(f.clock.Now().Add(session.AbsoluteTimeout)) || !created.Equal(f.clock.Now()) {
		t.Errorf("created %v expires %v; want now and now+30d (now %v)", created, expires, f.clock.Now())
	}
	other, _ := f.create(t, uid)
	if other == token {
		t.Error("two sessions got the same token")
	}
}

func TestLookupFindsTheSessionOfItsToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, "ada@example.com")
	token, created := f.create(t, uid)
	got, err := f.store.Lookup(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != created.ID || got.UserID != uid || got.IP != "192.0.2.1" || got.UserAgent != "test" {
		t.Errorf("Lookup = %+v, want the created session %+v", got, created)
	}
}

func TestLookupRefusesMalformedTokensWithoutAQuery(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	valid, _ := f.create(t, f.user(t, "ada@example.com"))
	// A closed pool makes any query fail with an error other than ErrNotFound.
	f.pool.Close()
	for _, tc := range []struct{ name, token string }{
		{"an empty token is refused", ""},
		{"a short token is refused", valid[:42]},
		{"a long token is refused", valid + "A"},
		{"a token with padding is refused", valid[:42] + "="},
		{"a token in standard base64 is refused", valid[:42] + "+"},
		{"a token with non-zero trailing bits is refused", valid[:42] + flipLastBits(valid[42])},
		{"a token with a NUL is refused", valid[:42] + "\x00"},
		{"a token padded out with line breaks is refused", valid[:39] + "\r\n\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := f.store.Lookup(t.Context(), tc.token); !errors.Is(err, session.ErrNotFound) {
				t.Errorf("Lookup(%q) = %v, want ErrNotFound without a query", tc.token, err)
			}
		})
	}
	if _, err := f.store.Lookup(t.Context(), valid); err == nil || errors.Is(err, session.ErrNotFound) {
		t.Errorf("a well-formed token on a closed pool gave %v; the test cannot tell a query from none", err)
	}
}

// flipLastBits returns a base64url character with the same top 4 bits as c
// (the last character of a 32-byte token carries 4 data bits) and non-zero
// low 2 bits, which strict decoding refuses.
func flipLastBits(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}

func TestLookupEnforcesIdleAndAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	for _, tc := range []struct {
		name  string
		steps []time.Duration // each advances the clock, then looks the session up (all must be found)
		then  time.Duration
		found bool
	}{
		{"a session used six days ago is live", nil, 6 * day, true},
		{"a session idle for seven days has expired", nil, 7 * day, false},
		{"a session idle just under seven days is live", nil, 7*day - time.Second, true},
		{"use keeps a session alive past the idle timeout", []time.Duration{6 * day, 6 * day}, 6 * day, true},
		{"a session in use ends at its absolute expiry", []time.Duration{6 * day, 6 * day, 6 * day, 6 * day, 5 * day}, day, false},
		{"a session in use is live just before its absolute expiry", []time.Duration{6 * day, 6 * day, 6 * day, 6 * day, 5 * day}, day - time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			token, _ := f.create(t, f.user(t, "ada@example.com"))
			for i, d := range tc.steps {
				f.clock.Advance(d)
				if _, err := f.store.Lookup(t.Context(), token); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			f.clock.Advance(tc.then)
			_, err := f.store.Lookup(t.Context(), token)
			if tc.found && err != nil {
				t.Errorf("Lookup = %v, want the session", err)
			}
			if !tc.found && !errors.Is(err, session.ErrNotFound) {
				t.Errorf("Lookup = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestLookupWritesLastSeenAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	token, s := f.create(t, f.user(t, "ada@example.com"))
	start := s.LastSeenAt
	for _, tc := range []struct {
		name    string
		advance time.Duration
		want    time.Duration // stored last_seen_at minus start
	}{
		{"a lookup 30 s after creation writes nothing", 30 * time.Second, 0},
		{"a lookup 59 s after creation writes nothing", 29 * time.Second, 0},
		{"a lookup 61 s after creation writes last seen", 2 * time.Second, 61 * time.Second},
		{"a lookup 30 s after that writes nothing", 30 * time.Second, 61 * time.Second},
		{"a lookup 61 s after the last write writes again", 31 * time.Second, 122 * time.Second},
	} {
		f.clock.Advance(tc.advance)
		got, err := f.store.Lookup(t.Context(), token)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		stored := f.storedLastSeen(t, s.ID)
		if !stored.Equal(start.Add(tc.want)) {
			t.Errorf("%s: stored last seen is start+%v, want start+%v", tc.name, stored.Sub(start), tc.want)
		}
		if !got.LastSeenAt.Equal(stored) {
			t.Errorf("%s: Lookup returned last seen %v, stored %v", tc.name, got.LastSeenAt, stored)
		}
	}
}

func TestUserAgentIsCutTo512BytesOfValidUTF8(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, "ada@example.com")
	for _, tc := range []struct{ name, in, want string }{
		{"a short user agent is kept", "Mozilla/5.0", "Mozilla/5.0"},
		{"a long user agent is cut at 512 bytes", strings.Repeat("a", 600), strings.Repeat("a", 512)},
		{"a character across the limit is dropped whole", strings.Repeat("a", 511) + "é", strings.Repeat("a", 511)},
		{"invalid UTF-8 and NUL are dropped", "ok\xff\x00ok", "okok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, s, err := f.store.Create(t.Context(), nil, uid, session.Meta{UserAgent: tc.in})
			if err != nil {
				t.Fatal(err)
			}
			if s.UserAgent != tc.want || !utf8.ValidString(s.UserAgent) {
				t.Errorf("stored %q (%d bytes), want %q", s.UserAgent, len(s.UserAgent), tc.want)
			}
		})
	}
}

func TestListShowsLiveSessionsNewestFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid := f.user(t, "ada@example.com")
	_, old := f.create(t, uid)
	f.clock.Advance(8 * 24 * time.Hour) // old is now idle past the timeout
	_, mid := f.create(t, uid)
	f.clock.Advance(time.Hour)
	_, newest := f.create(t, uid)
	f.create(t, f.user(t, "bob@example.com"))

	got, err := f.store.List(t.Context(), uid)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != newest.ID || got[1].ID != mid.ID {
		t.Errorf("List = %v, want [%v %v] (expired %v left out)", ids(got), newest.ID, mid.ID, old.ID)
	}
}

func ids(ss []session.Session) []uuid.UUID {
	out := make([]uuid.UUID, len(ss))
	for i, s := range ss {
		out[i] = s.ID
	}
	return out
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	ada, bob := f.user(t, "ada@example.com"), f.user(t, "bob@example.com")
	adaTok1, ada1 := f.create(t, ada)
	adaTok2, ada2 := f.create(t, ada)
	adaTok3, _ := f.create(t, ada)
	bobTok, bobS := f.create(t, bob)

	live := func(token string) bool {
		_, err := f.store.Lookup(ctx, token)
		if err != nil && !errors.Is(err, session.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}

	if err := f.store.Revoke(ctx, nil, ada, bobS.ID); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("revoking another user's session: %v, want ErrNotFound", err)
	}
	if !live(bobTok) {
		t.Error("another user's session was revoked")
	}
	if err := f.store.Revoke(ctx, nil, ada, ada1.ID); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if live(adaTok1) || !live(adaTok2) {
		t.Error("revoking one session did not end exactly that one")
	}
	if err := f.store.Revoke(ctx, nil, ada, ada1.ID); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("revoking a revoked session: %v, want ErrNotFound", err)
	}

	n, err := f.store.RevokeAllExcept(ctx, nil, ada, ada2.ID)
	if err != nil || n != 1 {
		t.Fatalf("RevokeAllExcept = %d, %v; want 1", n, err)
	}
	if !live(adaTok2) || live(adaTok3) || !live(bobTok) {
		t.Error("revoking the others did not keep exactly the kept session (and the other user's)")
	}

	f.create(t, ada)
	n, err = f.store.RevokeAllExcept(ctx, nil, ada, uuid.Nil)
	if err != nil || n != 2 {
		t.Fatalf("RevokeAllExcept(Nil) = %d, %v; want 2", n, err)
	}
	if live(adaTok2) || !live(bobTok) {
		t.Error("revoking all did not end every session of the user alone")
	}

	if err := f.store.RevokeToken(ctx, bobTok); err != nil || live(bobTok) {
		t.Errorf("RevokeToken = %v; session live afterwards: %v", err, live(bobTok))
	}
	if err := f.store.RevokeToken(ctx, bobTok); err != nil {
		t.Errorf("RevokeToken of a gone session = %v, want nil", err)
	}
	if err := f.store.RevokeToken(ctx, "garbage"); err != nil {
		t.Errorf("RevokeToken of a malformed token = %v, want nil", err)
	}
}

func TestSecondFactorTimeIsRecordedForTheOwnerOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	ada, bob := f.user(t, "ada@example.com"), f.user(t, "bob@example.com")
	token, s := f.create(t, ada)
	if err := f.store.SetSecondFactor(ctx, nil, bob, s.ID, f.clock.Now()); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("another user set the second factor: %v", err)
	}
	if err := f.store.SetSecondFactor(ctx, nil, ada, s.ID, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.Lookup(ctx, token)
	if err != nil || got.SecondFactorAt == nil || !got.SecondFactorAt.Equal(f.clock.Now()) {
		t.Errorf("Lookup = %+v, %v; want the second factor time", got, err)
	}
	if _, err := f.store.Get(ctx, nil, bob, s.ID); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Get of another user's session = %v, want ErrNotFound", err)
	}
}

func TestRenewReplacesTheTokenOfTheSameSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ada, bob := f.user(t, "ada@example.com"), f.user(t, "bob@example.com")
	old, sess := f.create(t, ada)
	if _, err := f.store.Renew(t.Context(), nil, bob, sess.ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Renew of another user's session = %v, want ErrNotFound", err)
	}
	token, err := f.store.Renew(t.Context(), nil, ada, sess.ID)
	if err != nil || token == old || !session.WellFormed(token) {
		t.Fatalf("Renew = %q, %v: want a new well-formed token", token, err)
	}
	if _, err := f.store.Lookup(t.Context(), old); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the old token still finds a session: %v", err)
	}
	got, err := f.store.Lookup(t.Context(), token)
	if err != nil || got.ID != sess.ID || !got.ExpiresAt.Equal(sess.ExpiresAt) {
		t.Errorf("the new token finds %+v, %v: want the same session, same expiry", got, err)
	}
	f.clock.Advance(31 * 24 * time.Hour)
	if _, err := f.store.Renew(t.Context(), nil, ada, sess.ID); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("Renew of an expired session = %v, want ErrNotFound", err)
	}
}

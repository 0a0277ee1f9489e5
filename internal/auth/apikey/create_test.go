package apikey_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/internal/db"
)

func TestCreateRefusesInvalidInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	rw := []string{"read", "write"}
	cases := []struct {
		name   string
		key    string
		scopes []string
		days   int
		fields []string
	}{
		{"an empty name is refused", "", rw, 0, []string{apikey.FieldName}},
		{"a name of spaces is refused", "   \t ", rw, 0, []string{apikey.FieldName}},
		{"a name of 101 characters is refused", strings.Repeat("é", 101), rw, 0, []string{apikey.FieldName}},
		{"a name with a line break is refused", "deploy\nbot", rw, 0, []string{apikey.FieldName}},
		{"a name with a control character is refused", "deploy\x07", rw, 0, []string{apikey.FieldName}},
		{"a name of invalid UTF-8 is refused", "deploy\xff", rw, 0, []string{apikey.FieldName}},
		{"no scopes are refused", "ci", nil, 0, []string{apikey.FieldScopes}},
		{"an unknown scope is refused", "ci", []string{"read", "admin"}, 0, []string{apikey.FieldScopes}},
		{"a scope in another case is refused", "ci", []string{"Read"}, 0, []string{apikey.FieldScopes}},
		{"an empty scope is refused", "ci", []string{""}, 0, []string{apikey.FieldScopes}},
		{"a negative expiry is refused", "ci", rw, -1, []string{apikey.FieldExpiresInDays}},
		{"an expiry beyond ten years is refused", "ci", rw, 3651, []string{apikey.FieldExpiresInDays}},
		{"every problem is reported at once", " ", []string{"x"}, 99999,
			[]string{apikey.FieldName, apikey.FieldScopes, apikey.FieldExpiresInDays}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plain, k, err := s.Create(context.Background(), user, tc.key, tc.scopes, tc.days)
			var fe apikey.FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("Create = %v, want FieldErrors", err)
			}
			var got []string
			for field, msg := range fe {
				got = append(got, field)
				if msg == "" || !strings.HasSuffix(msg, ".") {
					t.Errorf("field %s: message %q is not a sentence", field, msg)
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.fields))
			if !slices.Equal(got, want) {
				t.Fatalf("fields in error = %v, want %v (%v)", got, want, fe)
			}
			if plain != "" || k.ID != uuid.Nil {
				t.Fatalf("Create returned a key with an error: %q, %+v", plain, k)
			}
		})
	}
	if n := f.countKeys(t); n != 0 {
		t.Fatalf("%d keys were stored by refused creations", n)
	}
}

func TestCreateAcceptsBoundaryInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	now := f.clock.Now()
	cases := []struct {
		name     string
		key      string
		days     int
		wantName string
		expires  *time.Time
	}{
		{"a name is trimmed", "  deploy bot \n", 0, "deploy bot", nil},
		{"a name of 100 characters is accepted", strings.Repeat("é", 100), 0, strings.Repeat("é", 100), nil},
		{"a one-day expiry is accepted", "a", 1, "a", ptr(now.Add(24 * time.Hour))},
		{"a ten-year expiry is accepted", "b", 3650, "b", ptr(now.Add(3650 * 24 * time.Hour))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, k, err := s.Create(context.Background(), user, tc.key, []string{"read"}, tc.days)
			if err != nil {
				t.Fatal(err)
			}
			if k.Name != tc.wantName || !sameTime(k.ExpiresAt, tc.expires) || !k.CreatedAt.Equal(now) {
				t.Fatalf("key %+v, want name %q, expiry %v, created %v", k, tc.wantName, tc.expires, now)
			}
		})
	}
}

func TestScopesRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	cases := []struct {
		name string
		in   []string
		want []string
	}{
		{"read alone stays read", []string{"read"}, []string{"read"}},
		{"write alone stays write", []string{"write"}, []string{"write"}},
		{"both come back sorted", []string{"write", "read"}, []string{"read", "write"}},
		{"duplicates are dropped", []string{"read", "write", "read", "write"}, []string{"read", "write"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plain, created := create(t, s, user, tc.in...)
			got, err := s.Get(context.Background(), user, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			auth, err := s.Authenticate(context.Background(), plain)
			if err != nil {
				t.Fatal(err)
			}
			for what, scopes := range map[string][]string{"Create": created.Scopes, "Get": got.Scopes, "Authenticate": auth.Scopes} {
				if !slices.Equal(scopes, tc.want) {
					t.Errorf("%s: scopes %v, want %v", what, scopes, tc.want)
				}
			}
			if auth.HasScope(apikey.ScopeWrite) != slices.Contains(tc.want, "write") {
				t.Errorf("HasScope(write) = %v for %v", auth.HasScope(apikey.ScopeWrite), tc.want)
			}
		})
	}
}

func TestThePlaintextSecretIsNeverStored(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	plain, k := create(t, s, f.user(t))
	_, secret, _ := apikey.Parse(plain)
	if _, err := s.Authenticate(context.Background(), plain); err != nil {
		t.Fatal(err)
	}
	var row string
	var hash []byte
	err := f.pool.QueryRow(context.Background(),
		"SELECT k::text, secret_hash FROM api_keys k WHERE id = $1", k.ID).Scan(&row, &hash)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row, secret) || strings.Contains(row, plain) {
		t.Fatalf("the row holds the secret: %s", row)
	}
	if len(hash) != 32 || bytes.Contains(hash, []byte(secret)) {
		t.Fatalf("secret_hash is %x", hash)
	}
}

func TestCreateForAnUnknownUserFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	_, _, err := s.Create(context.Background(), uuid.New(), "ci", []string{"read"}, 0)
	if !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("Create = %v, want db.ErrNotFound", err)
	}
}

func TestTheKeyLimitHoldsUnderParallelCreates(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	const tries = apikey.MaxKeysPerUser + 10
	var wg sync.WaitGroup
	errs := make([]error, tries)
	plains := make([]string, tries)
	for i := range tries {
		wg.Go(func() {
			plains[i], _, errs[i] = s.Create(context.Background(), user, "k", []string{"read"}, 0)
		})
	}
	wg.Wait()
	ok, limited := 0, 0
	seen := map[string]bool{}
	for i, err := range errs {
		var fe apikey.FieldErrors
		switch {
		case err == nil:
			ok++
			prefix, _, _ := apikey.Parse(plains[i])
			if seen[prefix] {
				t.Fatalf("prefix %s was issued twice", prefix)
			}
			seen[prefix] = true
		case errors.As(err, &fe) && fe[apikey.FieldName] != "":
			limited++
		default:
			t.Fatalf("Create = %v", err)
		}
	}
	if ok != apikey.MaxKeysPerUser || limited != tries-apikey.MaxKeysPerUser {
		t.Fatalf("%d created and %d refused, want %d and %d", ok, limited, apikey.MaxKeysPerUser, tries-apikey.MaxKeysPerUser)
	}
	keys, err := s.List(context.Background(), user)
	if err != nil || len(keys) != apikey.MaxKeysPerUser {
		t.Fatalf("List = %d keys, %v", len(keys), err)
	}
	if err := s.Revoke(context.Background(), user, keys[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Create(context.Background(), user, "k", []string{"read"}, 0); err != nil {
		t.Fatalf("after revoking one, Create = %v", err)
	}
}

func TestParallelCreatesNeverCollide(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	users := []uuid.UUID{f.user(t), f.user(t), f.user(t), f.user(t)}
	const perUser = 10
	var mu sync.Mutex
	plains := map[string]bool{}
	ids := map[uuid.UUID]bool{}
	var wg sync.WaitGroup
	for _, u := range users {
		for range perUser {
			wg.Go(func() {
				plain, k, err := s.Create(context.Background(), u, "k", []string{"read", "write"}, 0)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if plains[plain] || ids[k.ID] {
					t.Errorf("key %s (%s) issued twice", k.Prefix, k.ID)
				}
				plains[plain], ids[k.ID] = true, true
			})
		}
	}
	wg.Wait()
	for plain := range plains {
		if _, err := s.Authenticate(context.Background(), plain); err != nil {
			t.Fatalf("key %s: %v", plain[:8], err)
		}
	}
	if n := f.countKeys(t); n != len(users)*perUser {
		t.Fatalf("%d keys stored, want %d", n, len(users)*perUser)
	}
}

// repeatingReader yields the same bytes n times, then random ones.
type repeatingReader struct {
	mu    sync.Mutex
	fixed []byte
	n     int
}

func (r *repeatingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n > 0 && len(p) == len(r.fixed) {
		r.n--
		return copy(p, r.fixed), nil
	}
	return rand.Read(p)
}

func TestATakenPrefixIsRetriedWithANewKey(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.service(t, f.pool, nil)
	user := f.user(t)
	fixed := bytes.Repeat([]byte{0xab}, apikey.PrefixBytes+apikey.SecretBytes)
	apikey.SetRandom(s, &repeatingReader{fixed: fixed, n: 3})
	first, k1 := create(t, s, user)
	if k1.Prefix != "abababab" {
		t.Fatalf("the first key's prefix is %s", k1.Prefix)
	}
	second, k2 := create(t, s, user)
	if k2.Prefix == k1.Prefix || second == first {
		t.Fatalf("the second key reuses the taken prefix %s", k2.Prefix)
	}
	for _, k := range []string{first, second} {
		if _, err := s.Authenticate(context.Background(), k); err != nil {
			t.Fatalf("Authenticate(%s…) = %v", k[:8], err)
		}
	}
	apikey.SetRandom(s, &repeatingReader{fixed: fixed, n: 100})
	if _, _, err := s.Create(context.Background(), user, "k", []string{"read"}, 0); err == nil {
		t.Fatal("Create succeeded although every prefix it drew was taken")
	}
	if n := f.countKeys(t); n != 2 {
		t.Fatalf("%d keys stored, want 2", n)
	}
	apikey.SetRandom(s, io.LimitReader(rand.Reader, 0))
	if _, _, err := s.Create(context.Background(), user, "k", []string{"read"}, 0); err == nil {
		t.Fatal("Create succeeded without randomness")
	}
}

func TestNewValidatesItsConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name string
		cfg  apikey.Config
	}{
		{"a missing pool is refused", apikey.Config{HMACKey: testHMACKey}},
		{"a missing key is refused", apikey.Config{Pool: f.pool}},
		{"a 31-byte key is refused", apikey.Config{Pool: f.pool, HMACKey: testHMACKey[:31]}},
		{"a key of one repeated byte is refused", apikey.Config{Pool: f.pool, HMACKey: make([]byte, 32)}},
		{"a negative cache size is refused", apikey.Config{Pool: f.pool, HMACKey: testHMACKey, MaxCacheEntries: -1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := apikey.New(tc.cfg); err == nil {
				_ = s.Close()
				t.Fatal("New accepted the config")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

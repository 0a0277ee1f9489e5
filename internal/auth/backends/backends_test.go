package backends_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/backends"
)

func request(authorization ...string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	for _, a := range authorization {
		r.Header.Add("Authorization", a)
	}
	return r
}

func basic(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

func TestBasicCredentials(t *testing.T) {
	for _, tc := range []struct {
		name, header    string
		email, password string
		ok              bool
	}{
		{"email and password", basic("ada@example.com:pw"), "ada@example.com", "pw", true},
		{"a password with colons and spaces", basic("ada@example.com:a b:c"), "ada@example.com", "a b:c", true},
		{"unicode password", basic("ada@example.com:pässwörd 🔑"), "ada@example.com", "pässwörd 🔑", true},
		{"lower-case scheme", "basic " + base64.StdEncoding.EncodeToString([]byte("a@b.c:pw")), "a@b.c", "pw", true},
		{"an empty password is passed on (the login refuses it)", basic("ada@example.com:"), "ada@example.com", "", true},
		{"no colon", basic("ada@example.com"), "", "", false},
		{"no email", basic(":pw"), "", "", false},
		{"bad base64", "Basic !!!", "", "", false},
		{"not UTF-8", "Basic " + base64.StdEncoding.EncodeToString([]byte("a@b.c:\xff")), "", "", false},
		{"another scheme", "Bearer abc", "", "", false},
		{"scheme only", "Basic", "", "", false},
		{"two parameters", "Basic abc def", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			email, pw, ok := backends.BasicCredentials(request(tc.header))
			if ok != tc.ok || email != tc.email || pw != tc.password {
				t.Errorf("BasicCredentials(%q) = %q, %q, %v; want %q, %q, %v", tc.header, email, pw, ok, tc.email, tc.password, tc.ok)
			}
		})
	}
	if _, _, ok := backends.BasicCredentials(request(basic("a@b.c:x"), basic("d@e.f:y"))); ok {
		t.Error("two Authorization headers were accepted")
	}
}

func TestBearerToken(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc.def":        "abc.def",
		"bearer abc":            "abc",
		"Bearer  abc":           "abc",
		"Bearer":                "",
		"Bearer abc def":        "",
		"Basic abc":             "",
		"Bearer " + huge(9<<10): "",
		"Token abc":             "",
		"Bearer\tabc":           "",
		"":                      "",
	} {
		got, ok := backends.BearerToken(request(header))
		if got != want || ok != (want != "") {
			t.Errorf("BearerToken(%.40q) = %q, %v; want %q", header, got, ok, want)
		}
	}
}

func huge(n int) string { return strings.Repeat("a", n) }

// fixed is a test backend answering the same thing every time, as a custom
// backend written by a forker would.
type fixed struct {
	user      *backends.User
	err       error
	challenge string
	calls     *int
}

func (f fixed) Authenticate(context.Context, *http.Request) (*backends.User, error) {
	*f.calls++
	return f.user, f.err
}

func (f fixed) Challenge() string { return f.challenge }

func TestChain(t *testing.T) {
	ada := &backends.User{ID: uuid.New(), Method: "test"}
	invalid := &backends.Failure{Status: 401, Code: "invalid"}
	var a, b, c int
	notMine := fixed{err: backends.ErrNotMine, challenge: `Basic realm="x"`, calls: &a}
	refuses := fixed{err: invalid, challenge: `Bearer realm="x"`, calls: &b}
	accepts := fixed{user: ada, calls: &c}

	if u, err := backends.Chain(t.Context(), request(), notMine, accepts, refuses); err != nil || u != ada {
		t.Errorf("not mine, then success: %v, %v", u, err)
	}
	if b != 0 {
		t.Error("the chain went on after a success")
	}
	if _, err := backends.Chain(t.Context(), request(), notMine, refuses, accepts); !errors.Is(err, invalid) {
		t.Errorf("not mine, then a refusal: %v, want the refusal", err)
	}
	if c != 1 {
		t.Error("the chain went on after a refusal")
	}
	if _, err := backends.Chain(t.Context(), request(), notMine, notMine); !errors.Is(err, backends.ErrNoCredentials) {
		t.Errorf("nobody's: %v, want ErrNoCredentials", err)
	}
	if got := backends.Challenges(notMine, refuses, notMine, accepts); !slices.Equal(got, []string{`Basic realm="x"`, `Bearer realm="x"`}) {
		t.Errorf("Challenges = %q", got)
	}
	broken := fixed{calls: &a}
	if _, err := backends.Chain(t.Context(), request(), broken); err == nil {
		t.Error("a backend returning neither a user nor an error passed")
	}
}

func TestScopes(t *testing.T) {
	all := &backends.User{}
	readOnly := &backends.User{Scopes: []string{backends.ScopeRead}}
	if !all.HasScope(backends.ScopeWrite) || !readOnly.HasScope(backends.ScopeRead) || readOnly.HasScope(backends.ScopeWrite) {
		t.Error("HasScope: nil scopes allow everything; a list allows only itself")
	}
}

func FuzzAuthorization(f *testing.F) {
	for _, s := range []string{basic("a@b.c:pw"), "Bearer x.y.z", "Basic", "bearer  x", "Basic " + huge(100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Authorization"] = []string{header}
		if token, ok := backends.BearerToken(r); ok && (token == "" || strings.ContainsAny(token, " \t")) {
			t.Errorf("BearerToken(%q) = %q", header, token)
		}
		if email, _, ok := backends.BasicCredentials(r); ok && email == "" {
			t.Errorf("BasicCredentials(%q) accepted an empty email", header)
		}
	})
}

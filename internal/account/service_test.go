package account_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/account"
)

func TestNewRefusesAnIncompleteConfig(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	relative, _ := url.Parse("/just/a/path")
	for _, tc := range []struct {
		name string
		edit func(*account.Config)
		want string
	}{
		{"a missing pool is refused", func(c *account.Config) { c.Pool = nil }, "Pool"},
		{"a missing hasher is refused", func(c *account.Config) { c.Hasher = nil }, "Hasher"},
		{"a missing signer is refused", func(c *account.Config) { c.Signer = nil }, "Signer"},
		{"a missing outbox is refused", func(c *account.Config) { c.Outbox = nil }, "Outbox"},
		{"a missing session store is refused", func(c *account.Config) { c.Sessions = nil }, "Sessions"},
		{"a missing logger is refused", func(c *account.Config) { c.Logger = nil }, "Logger"},
		{"a missing base URL is refused", func(c *account.Config) { c.BaseURL = nil }, "BaseURL"},
		{"a relative base URL is refused", func(c *account.Config) { c.BaseURL = relative }, "BaseURL"},
		{"zero max failures is refused", func(c *account.Config) { c.MaxFailures = 0 }, "MaxFailures"},
		{"a negative lockout is refused", func(c *account.Config) { c.Lockout = -1 }, "Lockout"},
		{"every problem is reported together", func(c *account.Config) { c.Pool, c.Lockout = nil, 0 }, "Lockout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := e.cfg
			tc.edit(&cfg)
			svc, err := account.New(cfg)
			if err == nil || svc != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New = %v, %v; want an error naming %s", svc, err, tc.want)
			}
		})
	}
	cfg := e.cfg
	cfg.Now = nil
	if _, err := account.New(cfg); err != nil {
		t.Errorf("New without Now = %v, want the default clock", err)
	}
}

func TestLinksAreBuiltOnTheBaseURLAndItsPath(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://example.net/app/")
	e := newEnv(t, func(c *account.Config) { c.BaseURL = base })
	if err := e.svc.SignUp(t.Context(), "ada@example.com", goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	text := e.mails(t, "ada@example.com")[0].TextBody
	i := strings.Index(text, "https://example.net/app/verify-email?")
	if i < 0 {
		t.Fatalf("no link on the base URL in:\n%s", text)
	}
	link, _ := url.Parse(strings.Fields(text[i:])[0])
	rel, _ := url.Parse(link.RequestURI())
	if u, err := e.svc.VerifyEmail(t.Context(), rel, meta); err != nil || !u.EmailVerified {
		t.Errorf("VerifyEmail of the link under the base path = %v", err)
	}
}

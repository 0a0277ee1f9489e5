package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/views"
)

// flashRequest runs one request carrying cookies through f: do may add or
// take flashes; the response is a 303. It returns the cookies it set.
func flashRequest(t *testing.T, f *flashes, cookies []*http.Cookie, do func(c echo.Context)) []*http.Cookie {
	t.Helper()
	e := echo.New()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	for _, ck := range cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c := e.NewContext(req, rec)
	do(c)
	if err := c.NoContent(http.StatusSeeOther); err != nil {
		t.Fatal(err)
	}
	return rec.Result().Cookies()
}

func TestFlashIsShownOnceOnTheNextPage(t *testing.T) {
	t.Parallel()
	f := newFlashes(testCSRFKey, false)
	set := flashRequest(t, f, nil, func(c echo.Context) {
		f.add(c, views.FlashSuccess, "Your password has been changed.")
	})
	if len(set) != 1 || set[0].Name != "flash" || !set[0].HttpOnly || set[0].SameSite != http.SameSiteLaxMode || set[0].Path != "/" {
		t.Fatalf("Set-Cookie = %v, want one HttpOnly, SameSite=Lax flash cookie on /", set)
	}
	var got []views.Flash
	cleared := flashRequest(t, f, set, func(c echo.Context) { got = f.take(c) })
	if len(got) != 1 || got[0].Kind != views.FlashSuccess || got[0].Message != "Your password has been changed." {
		t.Errorf("take = %v, want the one message", got)
	}
	if len(cleared) != 1 || cleared[0].MaxAge >= 0 {
		t.Errorf("after showing, Set-Cookie = %v, want the cookie deleted", cleared)
	}
}

func TestFlashCannotBeForged(t *testing.T) {
	t.Parallel()
	f := newFlashes(testCSRFKey, false)
	set := flashRequest(t, f, nil, func(c echo.Context) { f.add(c, views.FlashInfo, "Hello") })
	genuine := set[0].Value
	payload, sig, _ := strings.Cut(genuine, ".")
	edited := []byte(payload)
	edited[5] ^= 'A' ^ 'B'
	other := newFlashes([]byte("another key of thirty-two bytes!"), false)
	foreign := flashRequest(t, other, nil, func(c echo.Context) { other.add(c, views.FlashInfo, "Hello") })[0].Value
	tests := []struct {
		name, value string
	}{
		{"an edited payload is ignored", string(edited) + "." + sig},
		{"a cookie signed with another key is ignored", foreign},
		{"a cookie without a signature is ignored", payload},
		{"an empty cookie is ignored", ""},
		{"garbage is ignored", "%%%.###"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []views.Flash
			flashRequest(t, f, []*http.Cookie{{Name: "flash", Value: tc.value}}, func(c echo.Context) { got = f.take(c) })
			if len(got) != 0 {
				t.Errorf("take = %v, want nothing", got)
			}
		})
	}
}

func TestFlashExpires(t *testing.T) {
	t.Parallel()
	f := newFlashes(testCSRFKey, false)
	set := flashRequest(t, f, nil, func(c echo.Context) { f.add(c, views.FlashInfo, "Old news") })
	later := *f
	later.now = func() time.Time { return time.Now().Add(flashLifetime + time.Minute) }
	var got []views.Flash
	flashRequest(t, &later, set, func(c echo.Context) { got = later.take(c) })
	if len(got) != 0 {
		t.Errorf("take after expiry = %v, want nothing", got)
	}
}

func TestFlashCookieIsHostOnlyAndSecureInProduction(t *testing.T) {
	t.Parallel()
	f := newFlashes(testCSRFKey, true)
	set := flashRequest(t, f, nil, func(c echo.Context) { f.add(c, views.FlashInfo, "Hi") })
	if len(set) != 1 || set[0].Name != "__Host-flash" || !set[0].Secure || set[0].Domain != "" || set[0].Path != "/" {
		t.Errorf("Set-Cookie = %v, want __Host-flash, Secure, Path=/, no Domain", set)
	}
}

func TestFlashKeepsUnreadMessagesAcrossRedirects(t *testing.T) {
	t.Parallel()
	f := newFlashes(testCSRFKey, false)
	first := flashRequest(t, f, nil, func(c echo.Context) { f.add(c, views.FlashInfo, "One") })
	second := flashRequest(t, f, first, func(c echo.Context) { f.add(c, views.FlashInfo, "Two") })
	var got []views.Flash
	flashRequest(t, f, second, func(c echo.Context) { got = f.take(c) })
	if len(got) != 2 || got[0].Message != "One" || got[1].Message != "Two" {
		t.Errorf("take = %v, want One then Two", got)
	}
}

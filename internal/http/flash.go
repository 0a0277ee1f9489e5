package http

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/views"
)

// Flash messages survive one redirect in a cookie: base64url(JSON) "."
// base64url(HMAC-SHA256). The MAC key is derived from the CSRF key under
// its own label, so a flash can be neither forged nor edited (it is shown
// on the site's own pages, so a forged one would be phishing), and a flash
// MAC can never pass for a CSRF token or the other way round. Messages are
// plain text, escaped when rendered.
const (
	flashCookie      = "flash"
	flashLifetime    = 5 * time.Minute // long enough for a redirect, short enough not to linger
	flashMaxMessages = 5
	flashMaxMessage  = 500 // bytes; messages are the server's own short sentences
	flashMaxCookie   = 3000
	flashKeyLabel    = "rampart/flash/v1"
	flashContextKey  = "rampart.flash"
)

// flashes reads and writes flash cookies.
type flashes struct {
	key    []byte
	name   string
	secure bool
	now    func() time.Time
}

// newFlashes derives the flash MAC key from csrfKey (HMAC-SHA256 with the
// label flashKeyLabel, a PRF, so the two keys are independent).
func newFlashes(csrfKey []byte, production bool) *flashes {
	m := hmac.New(sha256.New, csrfKey)
	m.Write([]byte(flashKeyLabel))
	f := &flashes{key: m.Sum(nil), name: flashCookie, now: time.Now}
	if production {
		f.name, f.secure = "__Host-"+flashCookie, true
	}
	return f
}

// flashPayload is the signed content of the cookie.
type flashPayload struct {
	Expires int64         `json:"e"`
	Items   []views.Flash `json:"f"`
}

// flashState is one request's view of the flash cookie.
type flashState struct {
	incoming  []views.Flash
	hadCookie bool
	taken     bool
	pending   []views.Flash
}

// state loads the request's flashes once and arranges for the cookie to be
// written (or deleted) just before the response header goes out.
func (f *flashes) state(c echo.Context) *flashState {
	if st, ok := c.Get(flashContextKey).(*flashState); ok {
		return st
	}
	st := &flashState{}
	if ck, err := c.Request().Cookie(f.name); err == nil {
		st.hadCookie = true
		st.incoming = f.decode(ck.Value)
	}
	c.Set(flashContextKey, st)
	c.Response().Before(func() { f.write(c, st) })
	return st
}

// add queues a message for the next page this browser renders.
func (f *flashes) add(c echo.Context, kind, message string) {
	st := f.state(c)
	st.pending = append(st.pending, views.Flash{Kind: kind, Message: message})
}

// take returns the messages to show on the page being rendered (those
// carried by the cookie, then any added during this request) and consumes
// them.
func (f *flashes) take(c echo.Context) []views.Flash {
	st := f.state(c)
	out := append(append([]views.Flash(nil), st.incoming...), st.pending...)
	st.incoming, st.pending, st.taken = nil, nil, true
	return out
}

func (f *flashes) write(c echo.Context, st *flashState) {
	items := append(append([]views.Flash(nil), st.incoming...), st.pending...)
	switch {
	case len(st.pending) > 0:
		if v, ok := f.encode(items); ok {
			c.SetCookie(f.cookie(v, int(flashLifetime/time.Second)))
		}
	case st.taken && st.hadCookie:
		c.SetCookie(f.cookie("", -1))
	}
}

func (f *flashes) cookie(value string, maxAge int) *http.Cookie {
	// #nosec G124 -- HttpOnly and SameSite=Lax always; Secure is set in production (plain HTTP in development).
	return &http.Cookie{
		Name: f.name, Value: value, Path: "/", MaxAge: maxAge,
		Secure: f.secure, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	}
}

func (f *flashes) mac(payload string) []byte {
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// encode signs items; it keeps the newest flashMaxMessages and gives up
// (false) when the cookie would be too large.
func (f *flashes) encode(items []views.Flash) (string, bool) {
	if len(items) > flashMaxMessages {
		items = items[len(items)-flashMaxMessages:]
	}
	for i := range items {
		items[i].Message = truncateUTF8(items[i].Message, flashMaxMessage)
	}
	raw, err := json.Marshal(flashPayload{Expires: f.now().Add(flashLifetime).Unix(), Items: items})
	if err != nil {
		return "", false
	}
	payload := base64.RawURLEncoding.EncodeToString(raw)
	v := payload + "." + base64.RawURLEncoding.EncodeToString(f.mac(payload))
	return v, len(v) <= flashMaxCookie
}

// decode verifies a cookie value and returns its unexpired messages; any
// fault (bad MAC, bad encoding, expired) gives none.
func (f *flashes) decode(v string) []views.Flash {
	if len(v) > flashMaxCookie {
		return nil
	}
	payload, sig, ok := strings.Cut(v, ".")
	if !ok {
		return nil
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, f.mac(payload)) {
		return nil
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(payload)
	if err != nil {
		return nil
	}
	var p flashPayload
	if json.Unmarshal(raw, &p) != nil || f.now().Unix() > p.Expires || len(p.Items) > flashMaxMessages {
		return nil
	}
	return p.Items
}

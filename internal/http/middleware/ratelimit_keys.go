package middleware

import (
	"crypto/sha256"
	"encoding/hex"
	"net/netip"

	"github.com/labstack/echo/v4"
)

// KeyByIP keys a request by its client IP, c.RealIP() (the trusted-proxy-aware
// extractor), as "ip:<address>". IPv6 clients are keyed by their /64 prefix,
// since one subscriber usually holds a whole /64 and could otherwise rotate
// addresses to escape the limit. IPv4-mapped IPv6 addresses count as IPv4. It
// never fails.
func KeyByIP(c echo.Context) (string, error) {
	return ipKey(c.RealIP()), nil
}

func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap()
	if a.Is6() {
		a = netip.PrefixFrom(a.WithZone(""), 64).Masked().Addr()
	}
	var buf [3 + 39]byte
	return string(a.AppendTo(append(buf[:0], "ip:"...)))
}

// KeyByHeader keys a request by the value of the named header, as
// "hdr:<hex SHA-256 of the value>", so API keys and tokens never appear in
// clear in a store (or in Redis). A request without the header is keyed by
// KeyByIP. An empty name panics.
//
// A client chooses its header value: key by header only behind
// authentication, or under an IP limit as well, or a client could take a
// fresh bucket per request by sending a fresh value.
func KeyByHeader(name string) func(c echo.Context) (string, error) {
	if name == "" {
		panic("middleware: KeyByHeader needs a header name")
	}
	return func(c echo.Context) (string, error) {
		v := c.Request().Header.Get(name)
		if v == "" {
			return KeyByIP(c)
		}
		sum := sha256.Sum256([]byte(v))
		var buf [4 + 2*sha256.Size]byte
		copy(buf[:], "hdr:")
		hex.Encode(buf[4:], sum[:])
		return string(buf[:]), nil
	}
}

// KeyByUser keys a request by the user id that user returns, as
// "user:<id>"; when user reports no user (false or an empty id), by KeyByIP.
// A nil user panics.
func KeyByUser(user func(c echo.Context) (string, bool)) func(c echo.Context) (string, error) {
	if user == nil {
		panic("middleware: KeyByUser needs a user function")
	}
	return func(c echo.Context) (string, error) {
		if id, ok := user(c); ok && id != "" {
			return "user:" + id, nil
		}
		return KeyByIP(c)
	}
}

// KeyGlobal puts every request in one bucket, "all": a ceiling for the whole
// route, whoever asks. It never fails.
func KeyGlobal(echo.Context) (string, error) { return "all", nil }

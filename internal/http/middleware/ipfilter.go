package middleware

import (
	"net/http"
	"net/netip"

	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
)

// IPFilterConfig configures IPFilter. With Allow set, only addresses inside it
// pass; addresses inside Block never pass (Block wins).
type IPFilterConfig struct {
	Skipper echomw.Skipper
	Allow   []netip.Prefix
	Block   []netip.Prefix
}

// IPFilter returns an allow-only filter over prefixes.
func IPFilter(allow []netip.Prefix) echo.MiddlewareFunc {
	return IPFilterWithConfig(IPFilterConfig{Allow: allow})
}

// IPFilterWithConfig refuses with 403 every request whose client IP
// (c.RealIP(), i.e. the trusted-proxy-aware extractor) is blocked or not
// allowed. IPv4-mapped IPv6 addresses are compared as IPv4. Invalid prefixes
// panic at construction.
func IPFilterWithConfig(cfg IPFilterConfig) echo.MiddlewareFunc {
	if cfg.Skipper == nil {
		cfg.Skipper = echomw.DefaultSkipper
	}
	for _, p := range append(append([]netip.Prefix{}, cfg.Allow...), cfg.Block...) {
		if !p.IsValid() {
			panic("middleware: IPFilter given an invalid prefix")
		}
	}
	allow, block := unmapPrefixes(cfg.Allow), unmapPrefixes(cfg.Block)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if cfg.Skipper(c) {
				return next(c)
			}
			ip, err := netip.ParseAddr(c.RealIP())
			if err != nil {
				return echo.NewHTTPError(http.StatusForbidden, "Your address may not reach this page.")
			}
			ip = ip.Unmap()
			if contains(block, ip) || (len(allow) > 0 && !contains(allow, ip)) {
				return echo.NewHTTPError(http.StatusForbidden, "Your address may not reach this page.")
			}
			return next(c)
		}
	}
}

// unmapPrefixes turns ::ffff:a.b.c.d/n prefixes into their IPv4 form so one
// comparison works across families.
func unmapPrefixes(in []netip.Prefix) []netip.Prefix {
	out := make([]netip.Prefix, 0, len(in))
	for _, p := range in {
		if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(a.Unmap(), p.Bits()-96).Masked()
		}
		out = append(out, p)
	}
	return out
}

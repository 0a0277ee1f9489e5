package middleware

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	echomw "github.com/labstack/echo/v4/middleware"
	"golang.org/x/net/http/httpguts"
)

// DefaultPermissionsPolicy denies the powerful browser features Rampart never
// uses (and opts out of Topics ad profiling), so injected or third-party
// code cannot use them either. It names only features browsers recognise
// (FLoC's interest-cohort is gone: Chromium logs an error for every
// unrecognised feature of every response).
const DefaultPermissionsPolicy = "accelerometer=(), browsing-topics=(), camera=(), display-capture=(), " +
	"geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), " +
	"midi=(), payment=(), serial=(), usb=(), xr-spatial-tracking=()"

// hstsMinPreload is the max-age the HSTS preload list requires (one year).
const hstsMinPreload = 31536000

// SecureHeadersConfig configures SecureHeaders. An empty string or false
// omits that header. Build one from a preset (SecureHeadersStrict,
// SecureHeadersRelaxed, SecureHeadersDev, SecureHeadersEmpty) and adjust it.
type SecureHeadersConfig struct {
	Skipper echomw.Skipper
	// XFrameOptions is "DENY", "SAMEORIGIN" or "" (omitted).
	XFrameOptions string
	// ContentTypeNosniff sends X-Content-Type-Options: nosniff.
	ContentTypeNosniff        bool
	ReferrerPolicy            string
	CrossOriginOpenerPolicy   string
	CrossOriginResourcePolicy string
	PermissionsPolicy         string
	// HSTSMaxAge is the Strict-Transport-Security max-age in seconds; 0 sends
	// no HSTS. HSTS goes on HTTPS responses only (see RequestIsHTTPS).
	HSTSMaxAge            int
	HSTSIncludeSubdomains bool
	// HSTSPreload needs HSTSIncludeSubdomains and a max-age of a year or more.
	HSTSPreload bool
	// TrustedProxies are the peers whose X-Forwarded-Proto is believed when
	// deciding whether a request arrived over HTTPS (same list as
	// TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// CSP is the Content-Security-Policy; nil sends none. It is rendered once
	// at construction: later changes to the builder have no effect.
	CSP *CSPBuilder
	// CSPReportOnly sends Content-Security-Policy-Report-Only instead, so a
	// new policy can be tried without breaking pages.
	CSPReportOnly bool
	// ReportingEndpoints is the Reporting-Endpoints header value naming the
	// report-to groups, e.g. `csp="/csp-report"`.
	ReportingEndpoints string
}

// SecureHeadersStrict is the production preset: X-Frame-Options DENY, nosniff,
// Referrer-Policy same-origin, COOP and CORP same-origin,
// DefaultPermissionsPolicy, HSTS for two years with includeSubDomains (no
// preload: submitting a domain to the preload list is a deliberate,
// hard-to-undo act), DefaultCSP and Reporting-Endpoints `csp="/csp-report"`.
// TrustedProxies is empty: set it from TRUSTED_PROXIES.
func SecureHeadersStrict() SecureHeadersConfig {
	return SecureHeadersConfig{
		XFrameOptions:             "DENY",
		ContentTypeNosniff:        true,
		ReferrerPolicy:            "same-origin",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		PermissionsPolicy:         DefaultPermissionsPolicy,
		HSTSMaxAge:                2 * 365 * 24 * 60 * 60,
		HSTSIncludeSubdomains:     true,
		CSP:                       DefaultCSP(),
		ReportingEndpoints:        `csp="/csp-report"`,
	}
}

// SecureHeadersRelaxed is SecureHeadersStrict for pages our own origin may
// frame: X-Frame-Options SAMEORIGIN and CSP frame-ancestors 'self'.
func SecureHeadersRelaxed() SecureHeadersConfig {
	cfg := SecureHeadersStrict()
	cfg.XFrameOptions = "SAMEORIGIN"
	cfg.CSP.FrameAncestors("'self'")
	return cfg
}

// SecureHeadersDev is SecureHeadersStrict without HSTS, so a browser that
// visits the development server does not pin localhost to HTTPS.
func SecureHeadersDev() SecureHeadersConfig {
	cfg := SecureHeadersStrict()
	cfg.HSTSMaxAge, cfg.HSTSIncludeSubdomains, cfg.HSTSPreload = 0, false, false
	return cfg
}

// SecureHeadersEmpty sets no header at all: a base to build from.
func SecureHeadersEmpty() SecureHeadersConfig { return SecureHeadersConfig{} }

// SecureHeaders returns the middleware with SecureHeadersStrict.
func SecureHeaders() echo.MiddlewareFunc { return SecureHeadersWithConfig(SecureHeadersStrict()) }

// SecureHeadersWithConfig sets the configured security headers on every
// response. They are set before the handler runs, so error pages written
// later by the HTTP error handler carry them too; a handler may still
// override one. HSTS is sent only when RequestIsHTTPS. When the policy uses
// a nonce (CSPBuilder.WithNonce), every request gets a fresh one of 144
// random bits, put in the request context for templ (templ.WithNonce) and
// CSPNonce. An invalid policy, X-Frame-Options other than DENY or
// SAMEORIGIN, an invalid header value, a negative HSTSMaxAge, HSTS flags
// without a max-age, a preload that the preload list would refuse, or an
// invalid trusted prefix panics here, at construction.
func SecureHeadersWithConfig(cfg SecureHeadersConfig) echo.MiddlewareFunc {
	sh := newSecureHeaders(cfg)
	skipper := cfg.Skipper
	if skipper == nil {
		skipper = echomw.DefaultSkipper
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if skipper(c) {
				return next(c)
			}
			sh.apply(c)
			return next(c)
		}
	}
}

// CSPNonce returns the nonce SecureHeaders put in ctx for this request, or ""
// when there is none. It is the value templ.GetNonce reads.
func CSPNonce(ctx context.Context) string { return templ.GetNonce(ctx) }

// secureHeaders is the pre-rendered form of a config: per request, the work
// left is one slice for all header values and, with a nonce, one string and
// the context.
type secureHeaders struct {
	keys, vals []string // static headers, canonical keys
	hsts       string
	trusted    []netip.Prefix
	cspKey     string
	cspPrefix  string // the whole policy when !cspNonce
	cspSuffix  string
	cspNonce   bool
}

func newSecureHeaders(cfg SecureHeadersConfig) *secureHeaders {
	sh := &secureHeaders{trusted: unmapPrefixes(cfg.TrustedProxies)}
	for _, p := range cfg.TrustedProxies {
		if !p.IsValid() {
			panic("middleware: SecureHeaders given an invalid trusted proxy prefix")
		}
	}
	switch cfg.XFrameOptions {
	case "", "DENY", "SAMEORIGIN":
	default:
		panic(fmt.Sprintf("middleware: SecureHeaders X-Frame-Options must be DENY or SAMEORIGIN, not %q", cfg.XFrameOptions))
	}
	if cfg.ContentTypeNosniff {
		sh.add("X-Content-Type-Options", "nosniff")
	}
	sh.add("X-Frame-Options", cfg.XFrameOptions)
	sh.add("Referrer-Policy", cfg.ReferrerPolicy)
	sh.add("Cross-Origin-Opener-Policy", cfg.CrossOriginOpenerPolicy)
	sh.add("Cross-Origin-Resource-Policy", cfg.CrossOriginResourcePolicy)
	sh.add("Permissions-Policy", cfg.PermissionsPolicy)
	sh.add("Reporting-Endpoints", cfg.ReportingEndpoints)
	sh.hsts = hstsValue(cfg)
	if cfg.CSP != nil {
		prefix, suffix, nonce, err := cfg.CSP.render()
		if err != nil {
			panic("middleware: SecureHeaders given an invalid CSP: " + err.Error())
		}
		sh.cspKey, sh.cspPrefix, sh.cspSuffix, sh.cspNonce = "Content-Security-Policy", prefix, suffix, nonce
		if cfg.CSPReportOnly {
			sh.cspKey = "Content-Security-Policy-Report-Only"
		}
	}
	return sh
}

func (sh *secureHeaders) add(key, value string) {
	if value == "" {
		return
	}
	if !httpguts.ValidHeaderFieldValue(value) {
		panic(fmt.Sprintf("middleware: SecureHeaders %s value %q is not a valid header value", key, value))
	}
	sh.keys = append(sh.keys, http.CanonicalHeaderKey(key))
	sh.vals = append(sh.vals, value)
}

// apply sets the headers on c's response and, with a nonce, the request
// context; all header values share one fresh slice (see headerWriter).
func (sh *secureHeaders) apply(c echo.Context) {
	req := c.Request()
	w := headerWriter{h: c.Response().Header(), vals: make([]string, 0, len(sh.keys)+2)}
	for i, k := range sh.keys {
		w.set(k, sh.vals[i])
	}
	if sh.hsts != "" && RequestIsHTTPS(req, sh.trusted) {
		w.set("Strict-Transport-Security", sh.hsts)
	}
	if sh.cspKey == "" {
		return
	}
	policy := sh.cspPrefix
	if sh.cspNonce {
		var nonce string
		policy, nonce = sh.policyWithNonce()
		ctx := templ.WithNonce(templ.InitializeContext(req.Context()), nonce)
		c.SetRequest(req.WithContext(ctx))
	}
	w.set(sh.cspKey, policy)
}

// nonceBytes is 144 bits: more than CSP's 128-bit minimum, and a multiple of
// three so the base64 form has no '=' padding.
const nonceBytes = 18

// policyWithNonce returns the policy with a fresh nonce and the nonce itself,
// a substring of the policy (one allocation for both). A fresh templ context
// is started first so a templ value shared by an outer context is never
// mutated across requests.
func (sh *secureHeaders) policyWithNonce() (policy, nonce string) {
	var raw [nonceBytes]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails on supported platforms
	var enc [nonceBytes / 3 * 4]byte
	base64.StdEncoding.Encode(enc[:], raw[:])
	var b strings.Builder
	b.Grow(len(sh.cspPrefix) + len(enc) + len(sh.cspSuffix))
	b.WriteString(sh.cspPrefix)
	b.Write(enc[:])
	b.WriteString(sh.cspSuffix)
	policy = b.String()
	return policy, policy[len(sh.cspPrefix) : len(sh.cspPrefix)+len(enc)]
}

// headerWriter sets response headers with canonical keys, each value a
// one-element window of a single slice (one allocation for them all, and no
// slice shared between responses). vals must have room for every value.
type headerWriter struct {
	h    http.Header
	vals []string
}

func (w *headerWriter) set(key, value string) {
	if value == "" {
		return
	}
	i := len(w.vals)
	w.vals = append(w.vals, value)
	w.h[key] = w.vals[i : i+1 : i+1]
}

// vary adds value to Vary, keeping values set before and adding none twice.
func (w *headerWriter) vary(value string) {
	old := w.h["Vary"]
	if len(old) == 0 {
		w.set("Vary", value)
		return
	}
	for _, v := range old {
		if v == value {
			return
		}
	}
	w.h["Vary"] = append(old, value)
}

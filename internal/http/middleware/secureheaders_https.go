package middleware

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// RequestIsHTTPS reports whether r arrived over HTTPS: it was served over TLS
// here, or its TCP peer (r.RemoteAddr, never a header) is inside trusted and
// the last X-Forwarded-Proto entry, the one that proxy wrote, is "https". An
// X-Forwarded-Proto from any other peer is ignored, unlike Echo's c.Scheme()
// (GO-2026-6875).
func RequestIsHTTPS(r *http.Request, trusted []netip.Prefix) bool {
	if r.TLS != nil {
		return true
	}
	if len(trusted) == 0 {
		return false
	}
	peer := parseAddr(r.RemoteAddr, true)
	if !peer.IsValid() || !contains(trusted, peer) {
		return false
	}
	values := r.Header.Values("X-Forwarded-Proto")
	if len(values) == 0 {
		return false
	}
	proto := values[len(values)-1]
	if i := strings.LastIndexByte(proto, ','); i >= 0 {
		proto = proto[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func hstsValue(cfg SecureHeadersConfig) string {
	switch {
	case cfg.HSTSMaxAge < 0:
		panic("middleware: SecureHeaders HSTSMaxAge is negative")
	case cfg.HSTSMaxAge == 0 && (cfg.HSTSIncludeSubdomains || cfg.HSTSPreload):
		panic("middleware: SecureHeaders HSTS flags set without HSTSMaxAge")
	case cfg.HSTSPreload && (!cfg.HSTSIncludeSubdomains || cfg.HSTSMaxAge < hstsMinPreload):
		panic("middleware: SecureHeaders HSTSPreload needs HSTSIncludeSubdomains and a max-age of at least one year")
	case cfg.HSTSMaxAge == 0:
		return ""
	}
	v := "max-age=" + strconv.Itoa(cfg.HSTSMaxAge)
	if cfg.HSTSIncludeSubdomains {
		v += "; includeSubDomains"
	}
	if cfg.HSTSPreload {
		v += "; preload"
	}
	return v
}

package main

import (
	"sort"
	"strconv"
	"strings"
)

// allowance records why a vulnerability the code calls is accepted, and in
// which module: the same advisory in another module (Echo v5 before 5.1.0,
// say) is not covered.
type allowance struct {
	module string
	reason string
}

// echoMitigation is DESIGN.md's reason for accepting Echo v4's advisories.
const echoMitigation = "Echo v4 has no fixed release and v4 support ends 2026-12-31. " +
	"Mitigated: e.IPExtractor is always our trusted-proxy extractor (internal/http/middleware/clientip.go); " +
	"we never use c.Scheme(), c.JSONP* or Echo's Proxy, Secure, Static, MethodOverride and RateLimiter " +
	"middleware (ours replace them); Echo is imported only inside internal/http, so a move to v5 is mechanical."

// allowances is the reviewed exception list: exactly the two Echo v4
// advisories recorded in DESIGN.md ("Security decisions"). Adding one needs
// a written reason there first.
func allowances() map[string]allowance {
	return map[string]allowance{
		"GO-2026-6872": {
			module: "github.com/labstack/echo/v4",
			reason: "client IP from a spoofable X-Forwarded-For by default. " + echoMitigation,
		},
		"GO-2026-6875": {
			module: "github.com/labstack/echo/v4",
			reason: "proxy/scheme/static handling trusting client headers. " + echoMitigation,
		},
	}
}

// kind is a verdict, in the order the report lists them.
type kind int

const (
	kindFail kind = iota
	kindAllowed
	kindWarn
	kindUncalled
)

// result is the verdict on one advisory in one module.
type result struct {
	kind    kind
	id      string
	module  string
	version string
	fixed   string
	summary string
	why     string // the reason it is allowed, or what to do about it
	example string // one call path from our code, for called findings
}

// evaluate groups the findings by advisory and module and judges each group
// by its most telling finding: the called one with the shortest trace, if any.
func evaluate(s *scan, allow map[string]allowance) []result {
	type key struct{ id, module string }
	groups := map[key][]*finding{}
	var order []key
	for _, f := range s.findings {
		k := key{f.OSV, f.Trace[0].Module}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	results := make([]result, 0, len(order))
	for _, k := range order {
		results = append(results, judge(s, groups[k], allow))
	}
	sort.SliceStable(results, func(i, j int) bool {
		if results[i].kind != results[j].kind {
			return results[i].kind < results[j].kind
		}
		return results[i].id < results[j].id
	})
	return results
}

func judge(s *scan, fs []*finding, allow map[string]allowance) result {
	f := fs[0]
	for _, g := range fs {
		if g.called() && (!f.called() || len(g.Trace) < len(f.Trace)) {
			f = g
		}
	}
	top := f.Trace[0]
	r := result{id: f.OSV, module: top.Module, version: top.Version, fixed: f.FixedVersion, summary: s.osv[f.OSV].Summary}
	if !f.called() {
		r.kind = kindUncalled
		return r
	}
	r.example = f.caller() + " calls " + f.symbol()
	if len(f.Trace) > 2 {
		r.example = f.caller() + " eventually calls " + f.symbol()
	}
	a, listed := allow[r.id]
	switch {
	case r.module == "stdlib" && patchFix(s.config.GoVersion, r.fixed):
		r.kind, r.why = kindWarn, "fixed in "+goName(r.fixed)
	case r.module == "stdlib" && r.fixed == "":
		r.kind, r.why = kindFail, "no Go release fixes it yet: avoid the call"
	case r.module == "stdlib":
		r.kind, r.why = kindFail, "fixed only in "+goName(r.fixed)+", not a patch release of "+s.config.GoVersion+": raise the Go version"
	case listed && a.module == r.module && r.fixed == "":
		r.kind, r.why = kindAllowed, a.reason
	case listed && a.module == r.module:
		r.kind, r.why = kindFail, "allowed only while unfixed, and "+r.fixed+" fixes it: upgrade and drop the allowance"
	case r.fixed != "":
		r.kind, r.why = kindFail, "upgrade "+r.module+" to "+r.fixed+" or later"
	default:
		r.kind, r.why = kindFail, "no fixed version: stop calling it or replace the module"
	}
	return r
}

// patchFix reports whether fixed, a standard-library version such as
// "v1.26.9", is a later patch release of the same Go minor release as
// goVersion, such as "go1.26.8". Anything it cannot parse (a release
// candidate, a devel toolchain) is not a patch fix.
func patchFix(goVersion, fixed string) bool {
	cur, ok := parseRelease(strings.TrimPrefix(firstField(goVersion), "go"))
	if !ok {
		return false
	}
	fix, ok := parseRelease(strings.TrimPrefix(fixed, "v"))
	return ok && fix[0] == cur[0] && fix[1] == cur[1] && fix[2] > cur[2]
}

func parseRelease(v string) ([3]int, bool) {
	var n [3]int
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return n, false
	}
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return n, false
		}
		n[i] = x
	}
	return n, true
}

func firstField(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return ""
}

// goName turns a standard-library module version ("v1.26.9") into the
// name of the Go release ("go1.26.9").
func goName(v string) string { return "go" + strings.TrimPrefix(v, "v") }

package middleware

import "strings"

// CSPNonceSource is the placeholder Build and String print where the
// per-request nonce source goes; SecureHeaders replaces it with
// 'nonce-<fresh value>' on every response.
const CSPNonceSource = "'nonce-{nonce}'"

// CSPBuilder builds a Content-Security-Policy. Setters replace the named
// directive's sources (a directive appears once in a policy; browsers ignore
// repeats) and keep the position of its first appearance, so the policy reads
// in the order it was written. Setters never fail: Build validates the whole
// policy and reports every problem at once. The zero value is an empty policy;
// a builder is not safe for concurrent mutation.
type CSPBuilder struct {
	directives []cspDirective
	nonce      bool
}

type cspDirective struct {
	name   string
	values []string
}

// NewCSP returns an empty policy builder.
func NewCSP() *CSPBuilder { return &CSPBuilder{} }

// DefaultCSP returns a builder holding Rampart's policy:
//
//	default-src 'self'; script-src 'self' 'nonce-{nonce}' 'strict-dynamic';
//	style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self';
//	frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self';
//	report-uri /csp-report; report-to csp
//
// Scripts run only from our origin with the per-request nonce, never inline
// without it; img-src allows data: because Pico CSS draws its icons with
// data: URLs. Each call returns a fresh builder, safe to modify.
func DefaultCSP() *CSPBuilder {
	return NewCSP().
		DefaultSrc("'self'").
		ScriptSrc("'self'", "'strict-dynamic'").WithNonce().
		StyleSrc("'self'").
		ImgSrc("'self'", "data:").
		FontSrc("'self'").
		ConnectSrc("'self'").
		FrameAncestors("'none'").
		ObjectSrc("'none'").
		BaseURI("'none'").
		FormAction("'self'").
		ReportURI("/csp-report").
		ReportTo("csp")
}

// DefaultSrc sets default-src, the fallback for every fetch directive not set.
func (b *CSPBuilder) DefaultSrc(sources ...string) *CSPBuilder {
	return b.Directive("default-src", sources...)
}

// ScriptSrc sets script-src. 'unsafe-inline' and 'unsafe-eval' are refused by
// Build: inline scripts run only with the nonce (WithNonce).
func (b *CSPBuilder) ScriptSrc(sources ...string) *CSPBuilder {
	return b.Directive("script-src", sources...)
}

// StyleSrc sets style-src.
func (b *CSPBuilder) StyleSrc(sources ...string) *CSPBuilder {
	return b.Directive("style-src", sources...)
}

// ImgSrc sets img-src.
func (b *CSPBuilder) ImgSrc(sources ...string) *CSPBuilder {
	return b.Directive("img-src", sources...)
}

// FontSrc sets font-src.
func (b *CSPBuilder) FontSrc(sources ...string) *CSPBuilder {
	return b.Directive("font-src", sources...)
}

// ConnectSrc sets connect-src (fetch, XHR, WebSocket, EventSource).
func (b *CSPBuilder) ConnectSrc(sources ...string) *CSPBuilder {
	return b.Directive("connect-src", sources...)
}

// FrameAncestors sets frame-ancestors: who may embed our pages.
func (b *CSPBuilder) FrameAncestors(sources ...string) *CSPBuilder {
	return b.Directive("frame-ancestors", sources...)
}

// ObjectSrc sets object-src.
func (b *CSPBuilder) ObjectSrc(sources ...string) *CSPBuilder {
	return b.Directive("object-src", sources...)
}

// BaseURI sets base-uri.
func (b *CSPBuilder) BaseURI(sources ...string) *CSPBuilder {
	return b.Directive("base-uri", sources...)
}

// FormAction sets form-action.
func (b *CSPBuilder) FormAction(sources ...string) *CSPBuilder {
	return b.Directive("form-action", sources...)
}

// ReportURI sets report-uri, where browsers POST legacy
// application/csp-report bodies.
func (b *CSPBuilder) ReportURI(uri string) *CSPBuilder { return b.Directive("report-uri", uri) }

// ReportTo sets report-to: the Reporting API group (named in the
// Reporting-Endpoints header) that receives application/reports+json bodies.
func (b *CSPBuilder) ReportTo(group string) *CSPBuilder { return b.Directive("report-to", group) }

// UpgradeInsecureRequests adds upgrade-insecure-requests (no value).
func (b *CSPBuilder) UpgradeInsecureRequests() *CSPBuilder {
	return b.Directive("upgrade-insecure-requests")
}

// WithNonce adds the per-request nonce source to script-src; it is rendered
// just before 'strict-dynamic' when present, else last. Build fails when the
// policy has no script-src (a script-src holding only the nonce would
// silently drop the default-src fallback).
func (b *CSPBuilder) WithNonce() *CSPBuilder {
	b.nonce = true
	return b
}

// Directive sets any directive, replacing its sources if already set. No
// values renders the bare name (e.g. upgrade-insecure-requests). Names and
// values are validated by Build.
func (b *CSPBuilder) Directive(name string, values ...string) *CSPBuilder {
	values = append([]string(nil), values...)
	for i := range b.directives {
		if b.directives[i].name == name {
			b.directives[i].values = values
			return b
		}
	}
	b.directives = append(b.directives, cspDirective{name: name, values: values})
	return b
}

// Remove deletes a directive (for example report-uri from DefaultCSP).
func (b *CSPBuilder) Remove(name string) *CSPBuilder {
	for i := range b.directives {
		if b.directives[i].name == name {
			b.directives = append(b.directives[:i], b.directives[i+1:]...)
			return b
		}
	}
	return b
}

// Build validates the policy and returns it with CSPNonceSource where the
// nonce goes. Errors (all of them, joined) for: an empty policy; a directive
// name outside [a-z-]; an empty value or one holding whitespace, ';', ',',
// a control or non-ASCII character; a quoted keyword outside the known set,
// a hand-written 'nonce-...' (use WithNonce) or a malformed hash; 'none'
// combined with other sources; a source directive without sources;
// 'unsafe-inline' or 'unsafe-eval' governing scripts (script-src,
// script-src-elem, script-src-attr, or default-src without script-src);
// WithNonce without script-src.
func (b *CSPBuilder) Build() (string, error) {
	prefix, suffix, nonce, err := b.render()
	if err != nil {
		return "", err
	}
	if nonce {
		return prefix + "{nonce}" + suffix, nil
	}
	return prefix, nil
}

// String returns Build's policy, or "invalid policy: <errors>" so a broken
// builder is visible in test output.
func (b *CSPBuilder) String() string {
	s, err := b.Build()
	if err != nil {
		return "invalid policy: " + err.Error()
	}
	return s
}

// render validates and returns the policy split around the nonce source:
// prefix + "'nonce-" + nonce + "'" + suffix, or the whole policy in prefix
// when there is no nonce.
func (b *CSPBuilder) render() (prefix, suffix string, nonce bool, err error) {
	if err := b.validate(); err != nil {
		return "", "", false, err
	}
	var out strings.Builder
	for i, d := range b.directives {
		if i > 0 {
			out.WriteString("; ")
		}
		out.WriteString(d.name)
		values := d.values
		if b.nonce && d.name == "script-src" {
			values = withNonceSource(values)
		}
		for _, v := range values {
			out.WriteByte(' ')
			if v == CSPNonceSource {
				prefix = out.String() + "'nonce-"
				out.Reset()
				out.WriteByte('\'')
				continue
			}
			out.WriteString(v)
		}
	}
	if !b.nonce {
		return out.String(), "", false, nil
	}
	return prefix, out.String(), true, nil
}

func withNonceSource(values []string) []string {
	out := make([]string, 0, len(values)+1)
	placed := false
	for _, v := range values {
		if v == "'strict-dynamic'" && !placed {
			out = append(out, CSPNonceSource)
			placed = true
		}
		out = append(out, v)
	}
	if !placed {
		out = append(out, CSPNonceSource)
	}
	return out
}

package middleware

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// cspKeywords are the quoted keyword sources browsers understand.
var cspKeywords = map[string]bool{
	"'self'": true, "'none'": true, "'strict-dynamic'": true, "'unsafe-inline'": true,
	"'unsafe-eval'": true, "'unsafe-hashes'": true, "'report-sample'": true,
	"'wasm-unsafe-eval'": true, "'inline-speculation-rules'": true,
	"'script'": true, "'allow-duplicates'": true, // Trusted Types
}

// cspValueless are directives that take no value.
var cspValueless = map[string]bool{
	"upgrade-insecure-requests": true, "block-all-mixed-content": true,
}

func (b *CSPBuilder) validate() error {
	if len(b.directives) == 0 {
		return errors.New("csp: the policy has no directives")
	}
	var errs []error
	has := map[string]bool{}
	for _, d := range b.directives {
		has[d.name] = true
		errs = append(errs, validateCSPDirective(d)...)
	}
	for _, name := range []string{"script-src", "script-src-elem", "script-src-attr", "default-src"} {
		if name == "default-src" && has["script-src"] {
			continue
		}
		for _, d := range b.directives {
			if d.name != name {
				continue
			}
			for _, v := range d.values {
				if v == "'unsafe-inline'" || v == "'unsafe-eval'" {
					errs = append(errs, fmt.Errorf("csp: %s may not allow %s: scripts run from our origin or with the nonce only", name, v))
				}
			}
		}
	}
	if b.nonce && !has["script-src"] {
		errs = append(errs, errors.New("csp: WithNonce needs a script-src directive"))
	}
	return errors.Join(errs...)
}

func validateCSPDirective(d cspDirective) []error {
	var errs []error
	if !validCSPName(d.name) {
		errs = append(errs, fmt.Errorf("csp: directive name %q must be lower-case letters and '-'", d.name))
	}
	if cspValueless[d.name] && len(d.values) > 0 {
		errs = append(errs, fmt.Errorf("csp: %s takes no value", d.name))
	}
	if cspNeedsValue(d.name) && len(d.values) == 0 {
		errs = append(errs, fmt.Errorf("csp: %s needs at least one value ('none' to allow nothing)", d.name))
	}
	for _, v := range d.values {
		if err := validateCSPValue(v); err != nil {
			errs = append(errs, fmt.Errorf("csp: %s: %w", d.name, err))
		}
		if v == "'none'" && len(d.values) > 1 {
			errs = append(errs, fmt.Errorf("csp: %s: 'none' cannot be combined with other sources", d.name))
		}
	}
	return errs
}

func validCSPName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if (name[i] < 'a' || name[i] > 'z') && name[i] != '-' {
			return false
		}
	}
	return true
}

// cspNeedsValue reports whether an empty value list is a mistake: source
// lists (where "nothing" is spelled 'none') and the report directives.
func cspNeedsValue(name string) bool {
	return strings.HasSuffix(name, "-src") || strings.HasPrefix(name, "script-src-") ||
		strings.HasPrefix(name, "style-src-") || name == "base-uri" ||
		name == "form-action" || name == "frame-ancestors" ||
		name == "report-uri" || name == "report-to"
}

func validateCSPValue(v string) error {
	if v == "" {
		return errors.New("empty value")
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c <= ' ' || c >= 0x7f || c == ';' || c == ',' {
			return fmt.Errorf("value %q holds whitespace, ';', ',', a control or non-ASCII character", v)
		}
	}
	quoted := strings.HasPrefix(v, "'")
	switch {
	case quoted && strings.HasPrefix(v, "'nonce-"):
		return fmt.Errorf("value %q: a fixed nonce defeats its purpose; use WithNonce", v)
	case quoted && (strings.HasPrefix(v, "'sha256-") || strings.HasPrefix(v, "'sha384-") || strings.HasPrefix(v, "'sha512-")):
		return validateCSPHash(v)
	case quoted && !cspKeywords[v]:
		return fmt.Errorf("value %q is not a known keyword", v)
	case !quoted && strings.Contains(v, "'"):
		return fmt.Errorf("value %q has a stray quote", v)
	}
	return nil
}

func validateCSPHash(v string) error {
	if len(v) < 10 || !strings.HasSuffix(v, "'") {
		return fmt.Errorf("value %q is not a valid hash source", v)
	}
	digest := v[len("'sha256-") : len(v)-1]
	raw, err := base64.StdEncoding.DecodeString(digest)
	want := map[string]int{"'sha256-": 32, "'sha384-": 48, "'sha512-": 64}[v[:len("'sha256-")]]
	if err != nil || len(raw) != want {
		return fmt.Errorf("value %q is not a valid hash source", v)
	}
	return nil
}

package apikey

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// input is Create's arguments once validated.
type input struct {
	name          string
	scopes        []string
	expiresInDays int
}

// validate checks Create's arguments and returns them cleaned (name trimmed,
// scopes sorted and deduplicated), or FieldErrors with every problem found.
func validate(name string, scopes []string, expiresInDays int) (input, error) {
	fe := FieldErrors{}
	in := input{expiresInDays: expiresInDays}
	var msg string
	if in.name, msg = cleanName(name); msg != "" {
		fe[FieldName] = msg
	}
	if in.scopes, msg = cleanScopes(scopes); msg != "" {
		fe[FieldScopes] = msg
	}
	if expiresInDays < 0 || expiresInDays > MaxExpiresInDays {
		fe[FieldExpiresInDays] = fmt.Sprintf("Choose an expiry between 1 and %d days, or none.", MaxExpiresInDays)
	}
	if len(fe) > 0 {
		return input{}, fe
	}
	return in, nil
}

// cleanName trims name and checks that it is 1 to MaxNameLen printable
// characters; the message says what is wrong, "" when nothing is.
func cleanName(name string) (string, string) {
	if !utf8.ValidString(name) {
		return "", "Use only printable characters in the name."
	}
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", "Give the key a name, so you can tell it apart later."
	case n > MaxNameLen:
		return "", fmt.Sprintf("Keep the name to %d characters or fewer (this one has %d).", MaxNameLen, n)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", "Use only printable characters in the name (no tabs, line breaks or control characters)."
		}
	}
	return name, ""
}

// cleanScopes returns scopes sorted without duplicates, or a message when one
// is unknown or there are none.
func cleanScopes(scopes []string) ([]string, string) {
	out := make([]string, 0, 2)
	for _, s := range scopes {
		if s != ScopeRead && s != ScopeWrite {
			return nil, "Scopes can only be read and write."
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, "Choose at least one scope: read, write, or both."
	}
	slices.Sort(out)
	return out, ""
}

package components

import (
	"strings"

	"github.com/a-h/templ"
)

// DataURL lets a data: URL through templ's URL sanitiser, which refuses
// every data: URL, when its media type is one of mediaTypes (compared
// case-insensitively, without parameters: "image/png", "text/plain"). Any
// other value, a data: URL of another type (image/svg+xml, text/html) or a
// javascript: URL, gives templ.FailedSanitizationURL. Use it for the src of
// an <img> or the href of an <a download>, never for navigation.
func DataURL(s string, mediaTypes ...string) templ.SafeURL {
	const scheme = "data:"
	if len(s) < len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) {
		return templ.FailedSanitizationURL
	}
	rest := s[len(scheme):]
	comma := strings.IndexByte(rest, ',')
	if comma < 0 {
		return templ.FailedSanitizationURL
	}
	mediaType, _, _ := strings.Cut(rest[:comma], ";")
	for _, m := range mediaTypes {
		if strings.EqualFold(strings.TrimSpace(mediaType), m) {
			return templ.SafeURL(s)
		}
	}
	return templ.FailedSanitizationURL
}

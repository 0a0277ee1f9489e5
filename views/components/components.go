// Package components holds the small templ components that the layout and
// pages are built from: alerts and flash messages, cards, buttons and the
// CSRF form field. Each renders plain, accessible HTML styled by Pico CSS and
// web/static/css/app.css, with no inline scripts or styles, so pages keep
// working under a strict Content-Security-Policy.
package components

import "github.com/rampart-dev/rampart/views"

// CSRFFieldName is the name of the hidden form field that carries the CSRF
// token. The CSRF middleware reads the same name.
const CSRFFieldName = "csrf_token"

// Variant is a button's visual weight.
type Variant string

// Button variants. Use Primary for the one main action of a form, Secondary
// or Outline for the others and Danger for actions that destroy or revoke.
const (
	Primary   Variant = "primary"
	Secondary Variant = "secondary"
	Outline   Variant = "outline"
	Danger    Variant = "danger"
)

// class returns the CSS classes for the variant; unknown variants look primary.
func (v Variant) class() string {
	switch v {
	case Secondary:
		return "secondary"
	case Outline:
		return "outline"
	case Danger:
		return "danger"
	default:
		return ""
	}
}

// alertKind normalises a flash kind, so an unexpected value can neither
// break the styling nor reach the class attribute.
func alertKind(kind string) string {
	switch kind {
	case views.FlashSuccess, views.FlashWarning, views.FlashError:
		return kind
	default:
		return views.FlashInfo
	}
}

// alertRole is "alert" for problems, which screen readers announce at once,
// and "status" for news, which they announce politely.
func alertRole(kind string) string {
	switch alertKind(kind) {
	case views.FlashWarning, views.FlashError:
		return "alert"
	default:
		return "status"
	}
}

package pages

import "github.com/rampart-dev/rampart/views/components"

// linkInvalidVariant makes the page's link the main action unless a resend
// button already is.
func linkInvalidVariant(canResend bool) components.Variant {
	if canResend {
		return components.Outline
	}
	return components.Primary
}

// Package layout holds the page frame every page is rendered in: document
// head, header with navigation, flash messages, main landmark and footer.
package layout

import (
	"strings"

	"github.com/rampart-dev/rampart/views"
)

// navItem is one link of the header navigation.
type navItem struct {
	Label string
	Href  string
	// Exact marks the item current only on its own path, not below it:
	// "/account" must not light up on "/account/api-keys".
	Exact bool
}

// signedInNav is the navigation of a signed-in user; admins also get Admin.
func signedInNav(u *views.CurrentUser) []navItem {
	items := []navItem{
		{Label: "Account", Href: "/account", Exact: true},
		{Label: "API keys", Href: "/account/api-keys"},
		{Label: "Webhooks", Href: "/account/webhooks"},
		{Label: "Security", Href: "/account/2fa"},
		{Label: "Sessions", Href: "/account/sessions"},
	}
	if u.IsAdmin {
		items = append(items, navItem{Label: "Admin", Href: "/admin"})
	}
	return items
}

// isCurrent reports whether the item is the page at path, or (for items that
// are not Exact) a page below it, such as one webhook endpoint's deliveries.
func (n navItem) isCurrent(path string) bool {
	path = strings.TrimSuffix(path, "/")
	if path == n.Href {
		return true
	}
	return !n.Exact && strings.HasPrefix(path, n.Href+"/")
}

// pathIs reports whether path is href, ignoring a trailing slash.
func pathIs(path, href string) bool {
	return navItem{Href: href, Exact: true}.isCurrent(path)
}

// Package views holds the view models that Rampart's templ components render.
//
// Handlers translate domain values into these plain structs; components never
// see database rows or services. The components themselves live in the
// subpackages: layout (the page frame), components (small reusable pieces)
// and pages (one component per page).
package views

// AppName is the product name shown in titles, the header and the footer.
// Rename it here when you fork.
const AppName = "Rampart"

// AssetURLs maps an embedded static file name ("css/app.css") to the URL it
// is served under. *web.Assets satisfies it.
type AssetURLs interface {
	URL(name string) string
}

// Flash kinds. Any other value is shown as FlashInfo.
const (
	FlashSuccess = "success"
	FlashInfo    = "info"
	FlashWarning = "warning"
	FlashError   = "error"
)

// Flash is a one-time message shown at the top of the next page, typically
// after a redirect ("Your password was changed.").
type Flash struct {
	Kind    string // FlashSuccess, FlashInfo, FlashWarning or FlashError
	Message string // plain text; it is escaped when rendered
}

// CurrentUser is what the page frame needs to know about the signed-in user.
type CurrentUser struct {
	Email         string
	EmailVerified bool
	IsAdmin       bool
}

// Page is the view model every page receives: what the layout needs to draw
// the frame around the page's own content.
type Page struct {
	Title     string       // shown as "<Title> · Rampart" (just "Rampart" when empty)
	Assets    AssetURLs    // may be nil in tests; URLs then fall back to "/static/<name>"
	User      *CurrentUser // nil when signed out
	Flashes   []Flash
	CSRFToken string // for the logout form in the nav (POST /logout with hidden csrf_token)
	Path      string // current path, to mark the active nav item (aria-current="page")
}

// FullTitle returns the document title: "<Title> · Rampart", or just
// "Rampart" when Title is empty.
func (p Page) FullTitle() string {
	if p.Title == "" {
		return AppName
	}
	return p.Title + " · " + AppName
}

// AssetURL returns the URL of the embedded static file name. It does not
// panic when Assets is nil; it returns the unhashed "/static/<name>".
func (p Page) AssetURL(name string) string {
	if p.Assets == nil {
		return "/static/" + name
	}
	return p.Assets.URL(name)
}

package views

// APIKeyRow is one key on the API keys page.
type APIKeyRow struct {
	ID       string
	Name     string
	Prefix   string // the public first part of the key, shown as "<prefix>.…"
	Scopes   []string
	Created  Timestamp
	LastUsed Timestamp // zero: never used
	Expires  Timestamp // zero: never expires
	Expired  bool
	Revoked  Timestamp // zero: live
}

// APIKeyForm is the create form (name, scopes, expires_in_days) sent back
// with its errors (422).
type APIKeyForm struct {
	Name          string
	Scopes        []string // checked boxes: "read", "write"
	ExpiresInDays string
	Errors        FormErrors // "name", "scopes", "expires_in_days"
}

// APIKeysView is the API keys page (GET /account/api-keys), and the answer
// to POST /account/api-keys, which shows the new key once in
// id="new-api-key" (200).
type APIKeysView struct {
	Keys      []APIKeyRow
	Form      APIKeyForm
	NewKey    string // the plaintext key, only right after creating it
	NewKeyRow *APIKeyRow
	// SudoUntil is when the current password confirmation lapses (zero when
	// there is none): creating a key then asks for the password first.
	SudoUntil Timestamp
	BaseURL   string // APP_BASE_URL, for the curl example
}

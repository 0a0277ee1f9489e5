package views

// TwoFactorView is the two-factor settings page (GET /account/2fa, and POST
// /account/2fa/disable sent back with errors).
type TwoFactorView struct {
	Enabled           bool
	EnabledAt         Timestamp // when 2FA was turned on (zero when off)
	RecoveryCodesLeft int       // unused recovery codes (when on)
	// SudoUntil is when the current password confirmation lapses (zero when
	// there is none): until then, enroll and regenerate go straight through;
	// after it, they first ask for the password (GET /account/confirm).
	SudoUntil Timestamp
	Disable   DisableTwoFactorForm
}

// DisableTwoFactorForm is the form that turns 2FA off (password).
type DisableTwoFactorForm struct {
	Errors FormErrors // "password"
}

// TOTPEnrollView is the page of POST /account/2fa/enroll, and of POST
// /account/2fa/confirm with a wrong code (422): the QR code and the secret
// to type in by hand, and the form that confirms it with a first code.
type TOTPEnrollView struct {
	Secret    string // base32, no padding; shown exactly in id="totp-secret"
	URL       string // the otpauth:// URL the QR code encodes
	QRDataURI string // "data:image/png;base64,..." (our CSP's img-src allows data:)
	Issuer    string // the name the authenticator app shows ("Rampart")
	Account   string // the account's email address
	Errors    FormErrors
}

// RecoveryCodesView shows a fresh set of recovery codes, once: after 2FA is
// confirmed (200) and after the codes are regenerated (200). Each code is
// an <li> inside id="recovery-codes".
type RecoveryCodesView struct {
	Codes       []string
	Regenerated bool   // a new set replaced an old one (vs. 2FA just turned on)
	Download    string // the codes as a text file: a "data:text/plain;..." URL for <a download>
}

// LoginTwoFactorForm is the second step of a login (GET|POST /login/2fa):
// one field, code, for a TOTP code or a recovery code.
type LoginTwoFactorForm struct {
	Errors       FormErrors // "code"
	AttemptsLeft int        // shown after a wrong code (0: not shown)
}

// MagicLinkForm asks for the address to mail a login link to (GET|POST
// /login/magic).
type MagicLinkForm struct {
	Email  string
	Errors FormErrors
}

// MagicLinkSentView is the answer to POST /login/magic: the same page
// whether or not the address has an account.
type MagicLinkSentView struct {
	Email string
}

// MagicLinkConfirmView is GET /login/magic/verify?...: a button that logs
// in. Action is the link itself (path and signed query); the form posts
// back to exactly it, so a mail scanner that only follows the link does
// not use it up.
type MagicLinkConfirmView struct {
	Action string
	Email  string // the address the link was sent to
}

// SudoForm asks a signed-in person to confirm their password (or, with
// 2FA on, a code) before a sensitive action (GET|POST /account/confirm).
// Next is the local page to return to; TwoFactor offers the code field.
type SudoForm struct {
	Next      string
	TwoFactor bool
	Errors    FormErrors // "password", "code"
}

package account

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/recovery"
	"github.com/rampart-dev/rampart/internal/auth/totp"
	"github.com/rampart-dev/rampart/internal/db"
)

// EnrollmentTTL is how long a started enrollment waits for its first code.
const EnrollmentTTL = 30 * time.Minute

// TwoFactorStatus is what the 2FA settings page shows.
type TwoFactorStatus struct {
	Enabled           bool
	EnabledAt         time.Time
	RecoveryCodesLeft int
}

// Enrollment is a TOTP secret waiting for its first code: what a person
// scans or types into their authenticator app.
type Enrollment struct {
	Secret    string // base32, no padding
	URL       string // otpauth://totp/...
	QRDataURI string // the URL as a QR code, a PNG data URI
	Issuer    string
	Account   string
}

// TwoFactorStatus reports whether 2FA is on for the user and how many
// recovery codes are left.
func (s *Service) TwoFactorStatus(ctx context.Context, userID uuid.UUID) (TwoFactorStatus, error) {
	q := db.New(s.cfg.Pool)
	a, err := q.GetTOTPAuthenticator(ctx, userID)
	if errors.Is(db.Translate(err), db.ErrNotFound) || (err == nil && a.ConfirmedAt == nil) {
		return TwoFactorStatus{}, nil
	}
	if err != nil {
		return TwoFactorStatus{}, dbErr("2fa status", err)
	}
	n, err := q.CountUnusedRecoveryCodes(ctx, userID)
	if err != nil {
		return TwoFactorStatus{}, dbErr("2fa status: count recovery codes", err)
	}
	return TwoFactorStatus{Enabled: true, EnabledAt: *a.ConfirmedAt, RecoveryCodesLeft: int(n)}, nil
}

// BeginEnrollment starts setting up TOTP for the user, in sudo mode only:
// a new secret is stored encrypted, unconfirmed, replacing any enrollment
// in progress, and returned for the QR code and manual entry.
//
// ErrSudoRequired without a recent confirmation in session sessionID,
// ErrTwoFactorEnabled when 2FA is already on.
func (s *Service) BeginEnrollment(ctx context.Context, userID, sessionID uuid.UUID, meta RequestMeta) (Enrollment, error) {
	var en Enrollment
	err := s.tx(ctx, func(q *db.Queries) error {
		if err := s.requireSudo(ctx, q, userID, sessionID); err != nil {
			return err
		}
		u, err := q.GetUserByID(ctx, userID)
		if err != nil {
			return dbErr("2fa enroll: load user", err)
		}
		secret := totp.NewSecret()
		sealed, keyID := s.cfg.Seal.Seal(secret, totpAAD(userID))
		n, err := q.UpsertPendingTOTP(ctx, db.UpsertPendingTOTPParams{
			UserID: userID, SecretEncrypted: sealed, KeyID: keyID, Now: s.now(),
		})
		if err != nil {
			return dbErr("2fa enroll: store secret", err)
		}
		if n == 0 {
			return ErrTwoFactorEnabled
		}
		en, err = s.enrollment(u.Email, secret)
		return err
	})
	return en, err
}

// PendingEnrollment returns the enrollment in progress again (to show the
// QR code beside a wrong first code). ErrNoEnrollment when there is none or
// it is older than EnrollmentTTL; ErrTwoFactorEnabled when 2FA is on.
func (s *Service) PendingEnrollment(ctx context.Context, userID uuid.UUID) (Enrollment, error) {
	q := db.New(s.cfg.Pool)
	a, secret, err := s.pendingSecret(ctx, q, userID)
	if err != nil {
		return Enrollment{}, err
	}
	u, err := q.GetUserByID(ctx, a.UserID)
	if err != nil {
		return Enrollment{}, dbErr("2fa enroll: load user", err)
	}
	return s.enrollment(u.Email, secret)
}

// ConfirmEnrollment turns 2FA on with a first code from the app: it returns
// the ten recovery codes (shown once; only their hashes are kept), marks
// session sessionID as having passed a second factor, ends the user's other
// sessions and mails the owner.
//
// ErrWrongCode for a wrong code, ErrNoEnrollment or ErrTwoFactorEnabled as
// PendingEnrollment.
func (s *Service) ConfirmEnrollment(ctx context.Context, userID, sessionID uuid.UUID, code string, meta RequestMeta) ([]string, error) {
	var codes []string
	err := s.tx(ctx, func(q *db.Queries) error {
		a, secret, err := s.pendingSecret(ctx, q, userID)
		if err != nil {
			return err
		}
		now := s.now()
		step, ok := totp.Verify(secret, code, now, a.LastUsedStep)
		if !ok {
			return ErrWrongCode
		}
		n, err := q.ConfirmTOTP(ctx, db.ConfirmTOTPParams{
			UserID: userID, SecretEncrypted: a.SecretEncrypted, Step: step, Now: now,
		})
		if err != nil {
			return dbErr("2fa confirm", err)
		}
		if n == 0 { // a parallel confirmation or restart got there first
			return ErrWrongCode
		}
		if codes, err = s.replaceRecoveryCodes(ctx, q, userID); err != nil {
			return err
		}
		ended, err := s.securityChange(ctx, q, userID, sessionID, now)
		if err != nil {
			return err
		}
		u, err := q.GetUserByID(ctx, userID)
		if err != nil {
			return dbErr("2fa confirm: load user", err)
		}
		msg, err := twoFactorEnabledMail(u.Email, now, meta.IP, s.pageURL(PathTwoFactor).String())
		if err := s.send(ctx, q, msg, err); err != nil {
			return err
		}
		return s.audit(ctx, q, userID, EventTwoFactorEnabled, meta, detail{"sessions_ended": ended})
	})
	return codes, err
}

// RegenerateRecoveryCodes replaces the user's recovery codes with a new
// set (returned, shown once), in sudo mode only; the old codes stop
// working, the user's other sessions end and the owner is mailed.
//
// ErrSudoRequired, or ErrTwoFactorDisabled when 2FA is off.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, userID, sessionID uuid.UUID, meta RequestMeta) ([]string, error) {
	var codes []string
	err := s.tx(ctx, func(q *db.Queries) error {
		if err := s.requireSudo(ctx, q, userID, sessionID); err != nil {
			return err
		}
		if _, err := s.confirmedAuthenticator(ctx, q, userID); err != nil {
			return err
		}
		var err error
		if codes, err = s.replaceRecoveryCodes(ctx, q, userID); err != nil {
			return err
		}
		now := s.now()
		ended, err := s.securityChange(ctx, q, userID, sessionID, now)
		if err != nil {
			return err
		}
		u, err := q.GetUserByID(ctx, userID)
		if err != nil {
			return dbErr("regenerate recovery codes: load user", err)
		}
		msg, err := recoveryCodesRegeneratedMail(u.Email, now, meta.IP, s.pageURL(PathTwoFactor).String())
		if err := s.send(ctx, q, msg, err); err != nil {
			return err
		}
		return s.audit(ctx, q, userID, EventRecoveryCodesRegenerated, meta, detail{"sessions_ended": ended})
	})
	return codes, err
}

// DisableTwoFactor turns 2FA off after checking the password (which is
// the confirmation: a wrong one counts as a failed login): the secret and
// the recovery codes are deleted, pending second steps end, the user's
// other sessions end and the owner is mailed.
//
// ErrWrongPassword, ErrLocked while the account is locked,
// ErrTwoFactorDisabled when it is already off, ErrNotFound when the
// session is gone.
func (s *Service) DisableTwoFactor(ctx context.Context, userID, sessionID uuid.UUID, pw string, meta RequestMeta) error {
	if err := s.confirmPassword(ctx, userID, pw, meta); err != nil {
		return err
	}
	err := s.tx(ctx, func(q *db.Queries) error {
		if _, err := s.confirmedAuthenticator(ctx, q, userID); err != nil {
			return err
		}
		if _, err := q.DeleteTOTPAuthenticator(ctx, userID); err != nil {
			return dbErr("2fa disable: delete secret", err)
		}
		if _, err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
			return dbErr("2fa disable: delete recovery codes", err)
		}
		if _, err := q.DeleteUserLoginChallenges(ctx, userID); err != nil {
			return dbErr("2fa disable: end second steps", err)
		}
		now := s.now()
		ended, err := s.securityChange(ctx, q, userID, sessionID, now)
		if err != nil {
			return err
		}
		u, err := q.GetUserByID(ctx, userID)
		if err != nil {
			return dbErr("2fa disable: load user", err)
		}
		msg, err := twoFactorDisabledMail(u.Email, now, meta.IP, s.pageURL(PathPasswordForgot).String())
		if err := s.send(ctx, q, msg, err); err != nil {
			return err
		}
		return s.audit(ctx, q, userID, EventTwoFactorDisabled, meta, detail{"sessions_ended": ended})
	})
	if err == nil {
		s.revokeTokens(ctx, userID)
	}
	return err
}

// VerifySecondFactor checks code (a TOTP code or a recovery code) for a
// user with 2FA on, with the same one-time rules as the login's second
// step; a recovery code used this way is mailed about. For the JSON API's
// token endpoint. ErrWrongCode (also counted as a failed login, and
// audited), ErrTwoFactorDisabled when 2FA is off.
func (s *Service) VerifySecondFactor(ctx context.Context, userID uuid.UUID, code string, meta RequestMeta) error {
	var wrong bool
	err := s.tx(ctx, func(q *db.Queries) error {
		if _, err := s.confirmedAuthenticator(ctx, q, userID); err != nil {
			return err
		}
		res, err := s.spendSecondFactor(ctx, q, userID, code, meta)
		wrong = !res.ok
		return err
	})
	if err == nil && wrong {
		return ErrWrongCode
	}
	return err
}

// spendSecondFactor checks code (checkSecondFactor) in q's transaction and
// records the outcome: a wrong code as a failure toward the lockout, a
// recovery code's use with its mail. !ok means wrong: the caller commits
// the record and then answers ErrWrongCode.
func (s *Service) spendSecondFactor(ctx context.Context, q *db.Queries, userID uuid.UUID, code string, meta RequestMeta) (factorResult, error) {
	res, err := s.checkSecondFactor(ctx, q, userID, code)
	if err != nil {
		return res, err
	}
	if !res.ok {
		_, err := s.secondFactorFailed(ctx, q, userID, meta, "api")
		return res, err
	}
	return res, s.secondFactorUsed(ctx, q, userID, res, meta)
}

// factorResult is what checkSecondFactor found.
type factorResult struct {
	ok       bool
	kind     string // "totp" or "recovery_code"
	codeLeft int    // recovery codes left, when one was used
}

// checkSecondFactor checks code against the user's confirmed authenticator
// or, when it has the shape of one, their unused recovery codes, and uses
// it up (the time step, or the code) in q's transaction.
func (s *Service) checkSecondFactor(ctx context.Context, q *db.Queries, userID uuid.UUID, code string) (factorResult, error) {
	if norm, ok := recovery.Normalize(code); ok {
		n, err := q.UseRecoveryCode(ctx, db.UseRecoveryCodeParams{
			UserID: userID, CodeHash: s.cfg.Recovery.Hash(norm), Now: s.now(),
		})
		if err != nil || n == 0 {
			return factorResult{kind: factorRecoveryCode}, dbErr("use recovery code", err)
		}
		left, err := q.CountUnusedRecoveryCodes(ctx, userID)
		if err != nil {
			return factorResult{}, dbErr("count recovery codes", err)
		}
		return factorResult{ok: true, kind: factorRecoveryCode, codeLeft: int(left)}, nil
	}
	a, err := s.confirmedAuthenticator(ctx, q, userID)
	if err != nil {
		return factorResult{}, err
	}
	secret, err := s.openSecret(ctx, q, a)
	if err != nil {
		return factorResult{}, err
	}
	step, ok := totp.Verify(secret, code, s.now(), a.LastUsedStep)
	if !ok {
		return factorResult{kind: factorTOTP}, nil
	}
	n, err := q.UseTOTPStep(ctx, db.UseTOTPStepParams{UserID: userID, Step: step})
	if err != nil {
		return factorResult{}, dbErr("use totp step", err)
	}
	return factorResult{ok: n == 1, kind: factorTOTP}, nil
}

// Kinds of second factor, in audit details.
const (
	factorTOTP         = "totp"
	factorRecoveryCode = "recovery_code"
)

// secondFactorFailed records a wrong code: an audit event and one more
// failed login on the account (which may lock it and mail the unlock link),
// so guessing codes is bounded per account, not only per login attempt. It
// reports whether the account is now locked.
func (s *Service) secondFactorFailed(ctx context.Context, q *db.Queries, userID uuid.UUID, meta RequestMeta, where string) (bool, error) {
	if err := s.audit(ctx, q, userID, EventSecondFactorFailed, meta, detail{"step": where}); err != nil {
		return false, err
	}
	u, err := q.GetUserByID(ctx, userID)
	if err != nil {
		return false, dbErr("2fa failure: load user", err)
	}
	return s.countFailure(ctx, q, u, meta)
}

// secondFactorUsed records the use of a recovery code (audit and a mail to
// the owner saying how many are left); a TOTP code needs nothing.
func (s *Service) secondFactorUsed(ctx context.Context, q *db.Queries, userID uuid.UUID, res factorResult, meta RequestMeta) error {
	if res.kind != factorRecoveryCode {
		return nil
	}
	if err := s.audit(ctx, q, userID, EventRecoveryCodeUsed, meta, detail{"remaining": res.codeLeft}); err != nil {
		return err
	}
	u, err := q.GetUserByID(ctx, userID)
	if err != nil {
		return dbErr("recovery code used: load user", err)
	}
	msg, err := recoveryCodeUsedMail(u.Email, s.now(), meta.IP, res.codeLeft, s.pageURL(PathTwoFactor).String())
	return s.send(ctx, q, msg, err)
}

// countFailure counts one failed login for u and, when that locks the
// account, records the lockout and mails the unlock link. It reports
// whether the account is locked (by this failure or already).
func (s *Service) countFailure(ctx context.Context, q *db.Queries, u db.User, meta RequestMeta) (bool, error) {
	now := s.now()
	// #nosec G115 -- New rejects a MaxFailures above math.MaxInt32.
	res, err := q.RecordLoginFailure(ctx, db.RecordLoginFailureParams{
		ID: u.ID, MaxFailures: int32(s.cfg.MaxFailures), LockUntil: now.Add(s.cfg.Lockout), Now: now,
	})
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return true, nil // already locked
	}
	if err != nil {
		return false, dbErr("count failure", err)
	}
	if res.LockedUntil == nil {
		return false, nil
	}
	return true, s.lockedOut(ctx, q, u, res.FailedLoginCount, *res.LockedUntil, meta)
}

// confirmedAuthenticator loads the user's authenticator when 2FA is on;
// ErrTwoFactorDisabled otherwise.
func (s *Service) confirmedAuthenticator(ctx context.Context, q *db.Queries, userID uuid.UUID) (db.TotpAuthenticator, error) {
	a, err := q.GetTOTPAuthenticator(ctx, userID)
	if errors.Is(db.Translate(err), db.ErrNotFound) || (err == nil && a.ConfirmedAt == nil) {
		return db.TotpAuthenticator{}, ErrTwoFactorDisabled
	}
	return a, dbErr("load authenticator", err)
}

// pendingSecret loads and decrypts the enrollment in progress.
func (s *Service) pendingSecret(ctx context.Context, q *db.Queries, userID uuid.UUID) (db.TotpAuthenticator, []byte, error) {
	a, err := q.GetTOTPAuthenticator(ctx, userID)
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return a, nil, ErrNoEnrollment
	}
	if err != nil {
		return a, nil, dbErr("load enrollment", err)
	}
	if a.ConfirmedAt != nil {
		return a, nil, ErrTwoFactorEnabled
	}
	if !a.CreatedAt.After(s.now().Add(-EnrollmentTTL)) {
		return a, nil, ErrNoEnrollment
	}
	secret, err := s.cfg.Seal.Open(a.SecretEncrypted, a.KeyID, totpAAD(userID))
	if err != nil {
		return a, nil, wrap("open enrollment secret", err)
	}
	return a, secret, nil
}

// openSecret decrypts a's secret and, when it was sealed with an older key,
// seals it again with the current one (lazy rotation).
func (s *Service) openSecret(ctx context.Context, q *db.Queries, a db.TotpAuthenticator) ([]byte, error) {
	secret, err := s.cfg.Seal.Open(a.SecretEncrypted, a.KeyID, totpAAD(a.UserID))
	if err != nil {
		return nil, wrap("open totp secret", err)
	}
	if a.KeyID != s.cfg.Seal.Current() {
		sealed, keyID := s.cfg.Seal.Seal(secret, totpAAD(a.UserID))
		_, err := q.ResealTOTPSecret(ctx, db.ResealTOTPSecretParams{
			UserID: a.UserID, OldSecret: a.SecretEncrypted, NewSecret: sealed, NewKeyID: keyID,
		})
		if err != nil {
			return nil, dbErr("re-seal totp secret", err)
		}
	}
	return secret, nil
}

// replaceRecoveryCodes deletes the user's recovery codes and stores the
// hashes of a new set, which it returns.
func (s *Service) replaceRecoveryCodes(ctx context.Context, q *db.Queries, userID uuid.UUID) ([]string, error) {
	if _, err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
		return nil, dbErr("delete recovery codes", err)
	}
	codes := recovery.Generate()
	now := s.now()
	for _, c := range codes {
		norm, _ := recovery.Normalize(c)
		err := q.InsertRecoveryCode(ctx, db.InsertRecoveryCodeParams{UserID: userID, CodeHash: s.cfg.Recovery.Hash(norm), Now: now})
		if err != nil {
			return nil, dbErr("store recovery code", err)
		}
	}
	return codes, nil
}

// securityChange follows a change of the account's second factor: every
// other session ends, and session sessionID, which made the change, counts
// as having passed a second factor now. It returns how many sessions ended.
func (s *Service) securityChange(ctx context.Context, q *db.Queries, userID, sessionID uuid.UUID, now time.Time) (int64, error) {
	if err := s.cfg.Sessions.SetSecondFactor(ctx, q, userID, sessionID, now); err != nil {
		return 0, sessionErr("mark session", err)
	}
	n, err := s.cfg.Sessions.RevokeAllExcept(ctx, q, userID, sessionID)
	return n, wrap("end other sessions", err)
}

// enrollment describes secret for the person's authenticator app.
func (s *Service) enrollment(email string, secret []byte) (Enrollment, error) {
	u := totp.URL(s.cfg.Issuer, email, secret)
	qr, err := totp.QRDataURI(u)
	if err != nil {
		return Enrollment{}, wrap("render qr code", err)
	}
	return Enrollment{
		Secret: totp.EncodeSecret(secret), URL: u, QRDataURI: qr, Issuer: s.cfg.Issuer, Account: email,
	}, nil
}

// totpAAD binds a sealed TOTP secret to its owner: copied onto another
// user's row, it does not decrypt.
func totpAAD(userID uuid.UUID) []byte { return []byte("totp:" + userID.String()) }

package account

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/rampart-dev/rampart/internal/auth/recovery"
	"github.com/rampart-dev/rampart/internal/auth/session"
	"github.com/rampart-dev/rampart/internal/auth/signedurl"
	"github.com/rampart-dev/rampart/internal/db"
)

// The second step of a login.
const (
	// ChallengeTTL is how long the second step waits for a code.
	ChallengeTTL = 5 * time.Minute
	// ChallengeAttempts is how many wrong codes one second step allows;
	// then the person starts over with their password. Every wrong code
	// also counts toward the account's lockout.
	ChallengeAttempts = 5
)

// LoginResult is a completed login: the session's cookie value and where
// the person was going.
type LoginResult struct {
	User              User
	SessionToken      string
	Next              string // the local path given at the first step ("" for none)
	RecoveryCodeUsed  bool
	RecoveryCodesLeft int
}

// BeginSecondFactor stores the half-logged-in state after a first factor
// (the *SecondFactorRequired that Login or MagicLogin returned) and returns
// the random token the browser keeps for it: a marker that lets it submit
// /login/2fa for ChallengeTTL, not a session. next is where to go after
// the second step (the caller has checked it is a local path).
func (s *Service) BeginSecondFactor(ctx context.Context, proof *SecondFactorRequired, next string, meta RequestMeta) (string, error) {
	if proof == nil || proof.user.ID == uuid.Nil {
		return "", errors.New("account: BeginSecondFactor needs the proof of a first factor")
	}
	token, hash := signedurl.NewToken()
	now := s.now()
	_, err := db.New(s.cfg.Pool).InsertLoginChallenge(ctx, db.InsertLoginChallengeParams{
		UserID: proof.user.ID, TokenHash: hash, Method: proof.method, Next: next,
		Now: now, ExpiresAt: now.Add(ChallengeTTL),
	})
	if err != nil {
		return "", dbErr("begin second step", err)
	}
	return token, nil
}

// CheckChallenge reports whether token is a live second step, and how many
// attempts it has left. ErrChallengeInvalid otherwise.
func (s *Service) CheckChallenge(ctx context.Context, token string) (int, error) {
	if !session.WellFormed(token) {
		return 0, ErrChallengeInvalid
	}
	ch, err := db.New(s.cfg.Pool).GetLiveLoginChallenge(ctx, db.GetLiveLoginChallengeParams{
		TokenHash: signedurl.HashToken(token), Now: s.now(), MaxAttempts: ChallengeAttempts,
	})
	if errors.Is(db.Translate(err), db.ErrNotFound) {
		return 0, ErrChallengeInvalid
	}
	if err != nil {
		return 0, dbErr("check second step", err)
	}
	return ChallengeAttempts - int(ch.FailedAttempts), nil
}

// CompleteSecondFactor finishes a login with code, a TOTP code or a
// recovery code: the second step is used up and a session starts, marked
// as having passed a second factor.
//
// A wrong (or replayed) code is a *WrongCodeError saying how many attempts
// are left (errors.Is ErrWrongCode); it is audited and counts toward the
// account's lockout. ErrChallengeInvalid when token is no live second step,
// or the account is locked or has turned 2FA off since. Of two parallel
// submissions of one code exactly one logs in: the step's row is locked, and
// a TOTP time step or a recovery code is used by one conditional UPDATE.
func (s *Service) CompleteSecondFactor(ctx context.Context, token, code string, meta RequestMeta) (LoginResult, error) {
	if !session.WellFormed(token) {
		return LoginResult{}, ErrChallengeInvalid
	}
	var (
		res   LoginResult
		wrong *WrongCodeError
	)
	err := s.tx(ctx, func(q *db.Queries) error {
		now := s.now()
		ch, err := q.LockLiveLoginChallenge(ctx, db.LockLiveLoginChallengeParams{
			TokenHash: signedurl.HashToken(token), Now: now, MaxAttempts: ChallengeAttempts,
		})
		if errors.Is(db.Translate(err), db.ErrNotFound) {
			return ErrChallengeInvalid
		}
		if err != nil {
			return dbErr("second step", err)
		}
		user, err := userAccount(ctx, q, ch.UserID)
		if err != nil {
			return err
		}
		if !user.TwoFactor || (user.LockedUntil != nil && user.LockedUntil.After(now)) {
			return ErrChallengeInvalid
		}
		f, err := s.checkSecondFactor(ctx, q, ch.UserID, code)
		if err != nil {
			return err
		}
		if !f.ok {
			n, err := q.RecordLoginChallengeFailure(ctx, ch.ID)
			if err != nil {
				return dbErr("second step: count failure", err)
			}
			wrong = &WrongCodeError{AttemptsLeft: max(ChallengeAttempts-int(n), 0)}
			locked, err := s.secondFactorFailed(ctx, q, ch.UserID, meta, "login")
			if locked {
				wrong.AttemptsLeft = 0 // a locked account cannot finish this step
			}
			return err
		}
		res, err = s.finishLogin(ctx, q, ch, user, f, meta)
		return err
	})
	if err != nil {
		return LoginResult{}, err
	}
	if wrong != nil {
		return LoginResult{}, wrong
	}
	return res, nil
}

// finishLogin is the success half of CompleteSecondFactor.
func (s *Service) finishLogin(ctx context.Context, q *db.Queries, ch db.LoginChallenge, user User, f factorResult, meta RequestMeta) (LoginResult, error) {
	now := s.now()
	if _, err := q.UseLoginChallenge(ctx, db.UseLoginChallengeParams{ID: ch.ID, Now: now}); err != nil {
		return LoginResult{}, dbErr("second step: use", err)
	}
	if _, err := q.ClearLoginFailures(ctx, db.ClearLoginFailuresParams{ID: user.ID, Now: now}); err != nil {
		return LoginResult{}, dbErr("second step: reset failures", err)
	}
	token, sess, err := s.cfg.Sessions.Create(ctx, q, user.ID, sessionMeta(meta))
	if err != nil {
		return LoginResult{}, wrap("second step: start session", err)
	}
	if err := s.cfg.Sessions.SetSecondFactor(ctx, q, user.ID, sess.ID, now); err != nil {
		return LoginResult{}, wrap("second step: mark session", err)
	}
	if err := s.secondFactorUsed(ctx, q, user.ID, f, meta); err != nil {
		return LoginResult{}, err
	}
	err = s.audit(ctx, q, user.ID, EventLogin, meta, detail{"method": ch.Method, "second_factor": f.kind})
	if err != nil {
		return LoginResult{}, err
	}
	user.LockedUntil = nil
	return LoginResult{
		User: user, SessionToken: token, Next: ch.Next,
		RecoveryCodeUsed: f.kind == factorRecoveryCode, RecoveryCodesLeft: f.codeLeft,
	}, nil
}

// InSudo reports whether session sessionID of the user may make sensitive
// changes now: it logged in, or confirmed the password or a code, within
// session.SudoWindow. ErrNotFound when the session is gone.
func (s *Service) InSudo(ctx context.Context, userID, sessionID uuid.UUID) (bool, error) {
	sess, err := s.cfg.Sessions.Get(ctx, nil, userID, sessionID)
	if err != nil {
		return false, sessionErr("sudo", err)
	}
	return sess.InSudo(s.now()), nil
}

// requireSudo is InSudo inside a transaction, as an error: ErrSudoRequired.
func (s *Service) requireSudo(ctx context.Context, q *db.Queries, userID, sessionID uuid.UUID) error {
	sess, err := s.cfg.Sessions.Get(ctx, q, userID, sessionID)
	if err != nil {
		return sessionErr("sudo", err)
	}
	if !sess.InSudo(s.now()) {
		return ErrSudoRequired
	}
	return nil
}

// ConfirmSudo starts sudo mode for session sessionID: the person confirmed
// their password or, with 2FA on, gave a TOTP code (code non-empty; a
// recovery code is kept for lost devices and not accepted here).
//
// ErrWrongPassword or ErrWrongCode (each also a failed login toward the
// lockout, and audited), ErrLocked while the account is locked,
// ErrTwoFactorDisabled for a code without 2FA, ErrNotFound when the session
// is gone.
func (s *Service) ConfirmSudo(ctx context.Context, userID, sessionID uuid.UUID, pw, code string, meta RequestMeta) error {
	if code == "" {
		if err := s.confirmPassword(ctx, userID, pw, meta); err != nil {
			return err
		}
	}
	var wrong bool
	err := s.tx(ctx, func(q *db.Queries) error {
		now := s.now()
		if code != "" {
			u, err := q.GetUserByID(ctx, userID)
			if err != nil {
				return dbErr("sudo: load user", err)
			}
			if u.LockedUntil != nil && u.LockedUntil.After(now) {
				return ErrLocked
			}
			if _, err := s.confirmedAuthenticator(ctx, q, userID); err != nil {
				return err
			}
			// Recovery codes are for lost devices, not confirmations: one
			// typed here is refused before anything could use it up.
			f := factorResult{kind: factorRecoveryCode}
			if !recovery.LooksLikeCode(code) {
				var err error
				if f, err = s.checkSecondFactor(ctx, q, userID, code); err != nil {
					return err
				}
			}
			if !f.ok {
				wrong = true
				_, err := s.secondFactorFailed(ctx, q, userID, meta, "sudo")
				return err
			}
		}
		if err := s.cfg.Sessions.SetSudo(ctx, q, userID, sessionID, now); err != nil {
			return sessionErr("sudo", err)
		}
		via := "password"
		if code != "" {
			via = factorTOTP
		}
		return s.audit(ctx, q, userID, EventSudo, meta, detail{"via": via})
	})
	if err == nil && wrong {
		return ErrWrongCode
	}
	return err
}

// confirmPassword checks the user's password for a sensitive action. A
// wrong one is audited and counts as a failed login: ErrWrongPassword.
// ErrLocked while the account is locked (after the same hash).
func (s *Service) confirmPassword(ctx context.Context, userID uuid.UUID, pw string, meta RequestMeta) error {
	u, err := db.New(s.cfg.Pool).GetUserByID(ctx, userID)
	if err != nil {
		return dbErr("confirm password: load user", err)
	}
	ok, _, err := s.cfg.Hasher.Verify(ctx, pw, u.PasswordHash)
	if err != nil {
		return wrap("confirm password", err)
	}
	if u.LockedUntil != nil && u.LockedUntil.After(s.now()) {
		return ErrLocked
	}
	if ok {
		return nil
	}
	err = s.tx(ctx, func(q *db.Queries) error {
		if err := s.audit(ctx, q, userID, EventLoginFailed, meta, detail{"reason": "confirmation"}); err != nil {
			return err
		}
		_, err := s.countFailure(ctx, q, u, meta)
		return err
	})
	if err != nil {
		return err
	}
	return ErrWrongPassword
}

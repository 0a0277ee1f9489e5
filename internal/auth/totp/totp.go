// Package totp implements the time-based one-time passwords of RFC 6238 that
// authenticator apps (Google Authenticator, Aegis, 1Password...) show: HMAC-SHA1,
// 6 digits, a 30-second period, 160-bit secrets. Those are the parameters
// every app supports; apps silently ignore the others, so Rampart never offers
// them.
//
// Verify accepts the code of the current step and of one step either side
// (clock skew between server and phone) and, for replay protection, only
// steps after the last one the account used: the caller stores the step
// Verify returns and passes it back as after next time, so a code that was
// seen over a shoulder or phished cannot be used a second time.
//
// Code generation is github.com/pquerna/otp's; this package fixes its
// parameters, adds the replay window, and renders enrolment QR codes.
package totp

import (
	"crypto/subtle"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// The TOTP parameters. They are the defaults of RFC 6238 and of the Key URI
// format, the only ones all authenticator apps honour.
const (
	// Digits is the length of a code.
	Digits = 6
	// Period is the lifetime of a time step.
	Period = 30 * time.Second
	// Skew is how many steps before and after the current one Verify accepts.
	Skew = 1
	// SecretSize is the length of a secret from NewSecret: 160 bits, the size
	// RFC 4226 recommends for HMAC-SHA1.
	SecretSize = 20
)

// periodSeconds is Period in whole seconds.
const periodSeconds = int64(Period / time.Second)

// maxCodeInput bounds the input Verify looks at, so that normalising an
// attacker's megabyte-long form field costs nothing.
const maxCodeInput = 64

// Step returns the RFC 6238 time step of t: floor(Unix seconds / 30). It is
// the counter the code of t is computed from, and the value Verify returns
// and takes as after.
func Step(t time.Time) int64 {
	s := t.Unix()
	step := s / periodSeconds
	if s%periodSeconds < 0 {
		step--
	}
	return step
}

// Code returns the Digits-digit code of secret for step, zero-padded (RFC
// 4226 dynamic truncation of HMAC-SHA1(secret, step)). It panics when step is
// negative: steps before the Unix epoch have no code, and Step never returns
// one for a real clock.
func Code(secret []byte, step int64) string {
	if step < 0 {
		panic(fmt.Sprintf("totp: Code of negative step %d", step))
	}
	code, err := hotp.GenerateCodeCustom(EncodeSecret(secret), uint64(step), hotp.ValidateOpts{
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		// Unreachable: EncodeSecret always produces valid base32.
		panic("totp: " + err.Error())
	}
	return code
}

// Verify reports whether code is secret's code for one of the steps
// Step(now)-Skew ... Step(now)+Skew that is strictly greater than after, the
// last step the account already used (0 when it has used none). On success it
// returns the step that matched, the highest one if several did; the caller
// must store it and pass it as after from then on, which makes every code
// single-use. Steps before the Unix epoch are never accepted.
//
// The code is normalised first: surrounding whitespace and inner spaces and
// hyphens are removed ("123 456" and "123-456" are accepted). Anything that is
// not then exactly Digits ASCII digits, or longer than 64 bytes to begin with,
// is refused without computing a code. An empty secret verifies nothing: it
// can only mean a missing secret, whose codes anyone can compute.
//
// Every candidate step is computed and compared in constant time, with no
// early exit, so timing reveals neither the code nor which step matched.
func Verify(secret []byte, code string, now time.Time, after int64) (step int64, ok bool) {
	digits, valid := normalize(code)
	if !valid || len(secret) == 0 {
		return 0, false
	}
	current := Step(now)
	for s := current - Skew; s <= current+Skew; s++ {
		if s < 0 {
			continue
		}
		match := subtle.ConstantTimeCompare([]byte(Code(secret, s)), digits) == 1
		if match && s > after {
			step, ok = s, true
		}
	}
	return step, ok
}

// normalize returns code without surrounding whitespace and inner spaces and
// hyphens, and whether that is exactly Digits ASCII digits.
func normalize(code string) ([]byte, bool) {
	if len(code) > maxCodeInput {
		return nil, false
	}
	code = strings.TrimSpace(code)
	digits := make([]byte, 0, Digits)
	for i := 0; i < len(code); i++ {
		switch c := code[i]; {
		case c == ' ' || c == '-':
		case '0' <= c && c <= '9' && len(digits) < Digits:
			digits = append(digits, c)
		default:
			return nil, false
		}
	}
	return digits, len(digits) == Digits
}

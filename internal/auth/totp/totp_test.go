package totp

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B.
var rfcSecret = []byte("12345678901234567890")

// rfcVectors are the SHA-1 rows of RFC 6238 Appendix B: Unix time, step (the
// hexadecimal T column) and 8-digit TOTP.
var rfcVectors = []struct {
	unix  int64
	step  int64
	code8 string
}{
	{59, 0x1, "94287082"},
	{1111111109, 0x23523EC, "07081804"},
	{1111111111, 0x23523ED, "14050471"},
	{1234567890, 0x273EF07, "89005924"},
	{2000000000, 0x3F940AA, "69279037"},
	{20000000000, 0x27BC86AA, "65353130"},
}

func TestRFC6238Vectors(t *testing.T) {
	for _, v := range rfcVectors {
		at := time.Unix(v.unix, 0)
		if got := Step(at); got != v.step {
			t.Errorf("Step(%d) = %#x, want %#x", v.unix, got, v.step)
		}
		if got, want := Code(rfcSecret, Step(at)), v.code8[2:]; got != want {
			t.Errorf("Code at %d = %s, want %s (last 6 digits of %s)", v.unix, got, want, v.code8)
		}
		got8, err := totp.GenerateCodeCustom(EncodeSecret(rfcSecret), at, totp.ValidateOpts{
			Period: uint(periodSeconds), Digits: otp.DigitsEight, Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if got8 != v.code8 {
			t.Errorf("pquerna 8-digit code at %d = %s, want %s", v.unix, got8, v.code8)
		}
		if step, ok := Verify(rfcSecret, v.code8[2:], at, 0); !ok || step != v.step {
			t.Errorf("Verify(RFC code at %d) = %#x, %v; want %#x, true", v.unix, step, ok, v.step)
		}
	}
}

func TestStep(t *testing.T) {
	cases := []struct {
		name string
		unix int64
		want int64
	}{
		{"the epoch is step 0", 0, 0},
		{"the last second of a step stays in it", 29, 0},
		{"a step starts on a multiple of 30 seconds", 30, 1},
		{"a large time is divided, not overflowed", 20000000000, 666666666},
		{"a second before the epoch is step -1, not 0", -1, -1},
		{"30 seconds before the epoch is step -1", -30, -1},
		{"31 seconds before the epoch is step -2", -31, -2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Step(time.Unix(c.unix, 0)); got != c.want {
				t.Errorf("Step(%d) = %d, want %d", c.unix, got, c.want)
			}
		})
	}
	if got := Step(time.Unix(59, 999_999_999)); got != 1 {
		t.Errorf("Step(59.999999999) = %d, want 1 (nanoseconds do not round up)", got)
	}
}

func TestCodeIsZeroPaddedDigits(t *testing.T) {
	secret := []byte("12345678901234567890")
	padded := false
	for step := range int64(2000) {
		code := Code(secret, step)
		if len(code) != Digits || strings.Trim(code, "0123456789") != "" {
			t.Fatalf("Code(step %d) = %q, not %d digits", step, code, Digits)
		}
		padded = padded || code[0] == '0'
	}
	if !padded {
		t.Error("no code in 2000 steps starts with 0; codes are not zero-padded")
	}
}

func TestCodePanicsOnNegativeStep(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Code(-1) did not panic")
		}
	}()
	Code(rfcSecret, -1)
}

func TestVerifyWindow(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1_750_000_015, 0)
	cur := Step(now)
	cases := []struct {
		name   string
		offset int64
		after  int64
		want   bool
	}{
		{"the current code is accepted", 0, 0, true},
		{"the previous step's code is accepted (slow phone)", -1, 0, true},
		{"the next step's code is accepted (fast phone)", 1, 0, true},
		{"a code two steps old is refused", -2, 0, false},
		{"a code two steps ahead is refused", 2, 0, false},
		{"a code an hour old is refused", -120, 0, false},
		{"a code for the step already used is refused", 0, cur, false},
		{"a code for a step before the one used is refused", -1, cur, false},
		{"a code after the step used is accepted", 1, cur, true},
		{"the current code is accepted when the previous step was used", 0, cur - 1, true},
		{"the previous code is refused when the previous step was used", -1, cur - 1, false},
		{"every code is refused when a later step was used", 0, cur + 1, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := cur + c.offset
			code := Code(secret, want)
			step, ok := Verify(secret, code, now, c.after)
			if ok != c.want {
				t.Fatalf("Verify(code of step %+d, after %d) ok = %v, want %v", c.offset, c.after-cur, ok, c.want)
			}
			if ok && step != want {
				t.Errorf("Verify returned step %d, want %d", step, want)
			}
			if !ok && step != 0 {
				t.Errorf("Verify refused but returned step %d, want 0", step)
			}
		})
	}
}

func TestVerifyReturnsHighestMatchingStep(t *testing.T) {
	// This secret has the same code, 470875, for steps 1000 and 1001 (found by
	// search), so both match in a window that contains them.
	secret := make([]byte, 20)
	binary.BigEndian.PutUint64(secret[12:], 431746)
	if Code(secret, 1000) != "470875" || Code(secret, 1001) != "470875" || Code(secret, 1002) == "470875" {
		t.Fatal("the test secret no longer has equal codes for steps 1000 and 1001")
	}
	at := func(step int64) time.Time { return time.Unix(step*periodSeconds, 0) }
	cases := []struct {
		name     string
		now      time.Time
		after    int64
		wantStep int64
		wantOK   bool
	}{
		{"both steps match and the later one is returned", at(1001), 0, 1001, true},
		{"the later step is returned when the earlier is the window's start", at(1000), 0, 1001, true},
		{"the later step is still usable after the earlier was used", at(1001), 1000, 1001, true},
		{"neither step is usable after the later was used", at(1001), 1001, 0, false},
		{"only the earlier step is in the window", at(999), 0, 1000, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			step, ok := Verify(secret, "470875", c.now, c.after)
			if step != c.wantStep || ok != c.wantOK {
				t.Errorf("Verify = %d, %v; want %d, %v", step, ok, c.wantStep, c.wantOK)
			}
		})
	}
}

func TestVerifyNormalisation(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	code := Code(secret, Step(now)) // 050471
	if code != "050471" {
		t.Fatalf("Code = %s, want 050471 (RFC 6238)", code)
	}
	cases := []struct {
		name  string
		input string
		want  bool
	}{
		{"the plain code is accepted", "050471", true},
		{"surrounding spaces are ignored", "  050471 ", true},
		{"surrounding tabs and newlines are ignored", "\t050471\r\n", true},
		{"a space in the middle is ignored", "050 471", true},
		{"a hyphen in the middle is ignored", "050-471", true},
		{"several spaces and hyphens are ignored", "0 5-0 - 4 7 1", true},
		{"a leading hyphen is ignored", "-050471", true},
		{"a tab in the middle is refused", "050\t471", false},
		{"a dot in the middle is refused", "050.471", false},
		{"five digits are refused", "50471", false},
		{"seven digits are refused", "0504710", false},
		{"the 8-digit RFC code is refused", "14050471", false},
		{"the empty string is refused", "", false},
		{"only spaces are refused", "      ", false},
		{"letters are refused", "O5O471", false},
		{"a sign is refused", "+50471", false},
		{"non-ASCII digits are refused", "٠٥٠٤٧١", false},
		{"full-width digits are refused", "０５０４７１", false},
		{"a NUL byte is refused", "050471\x00", false},
		{"input over 64 bytes is refused even if it would normalise", strings.Repeat(" ", 60) + "050471", false},
		{"input of exactly 64 bytes is normalised", strings.Repeat(" ", 58) + "050471", true},
		{"a wrong code is refused", "050472", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := Verify(secret, c.input, now, 0); ok != c.want {
				t.Errorf("Verify(%q) ok = %v, want %v", c.input, ok, c.want)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1111111111, 0)
	if _, ok := Verify(nil, Code(nil, Step(now)), now, 0); ok {
		t.Error("an empty secret verified its own code")
	}
	if _, ok := Verify([]byte("another secret of 20b"), Code(secret, Step(now)), now, 0); ok {
		t.Error("another secret's code verified")
	}
	// At the epoch the window would include step -1, which has no code.
	if step, ok := Verify(secret, Code(secret, 0), time.Unix(0, 0), -5); !ok || step != 0 {
		t.Errorf("Verify at the epoch = %d, %v; want 0, true", step, ok)
	}
}

func BenchmarkVerify(b *testing.B) {
	secret := NewSecret()
	now := time.Unix(1_750_000_000, 0)
	code := Code(secret, Step(now))
	for b.Loop() {
		Verify(secret, code, now, 0)
	}
}

package password

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

const testEmail = "alice@example.com"

// The expectations below are zxcvbn's own verdicts (trustelem/zxcvbn
// v1.0.1), checked one by one, not guesses about what it should say.
func TestCheckNew(t *testing.T) {
	const similar = "This is similar to a commonly used password."
	cases := []struct {
		name    string
		pw      string
		wantErr error  // a policy error from Validate
		weak    string // else, when set, the Warning of the *WeakPasswordError
	}{
		{"password123456 is refused as similar to a common password", "password123456", nil, similar},
		{"a common password from the dictionary is refused", "1qaz2wsx3edc4rfv", nil, "This is a very common password."},
		{"a common password in mixed case is refused although it scores 3", "MoMsAnAlAdVeNtUrE", nil, "This is a very common password."},
		{"qwertyuiopasdf is refused: its rows are common passwords", "qwertyuiopasdf", nil, similar},
		{"a keyboard walk is refused", "zxcvbnm,./;lkjh", nil, "Short keyboard patterns are easy to guess."},
		{"a straight row of keys is refused", `asdfghjkl;'\]`, nil, "Straight rows of keys are easy to guess."},
		{"aaaaaaaaaaaaaaa is refused", "aaaaaaaaaaaaaaa", nil, `Repeats like "aaa" are easy to guess.`},
		{"a repeated word is refused", "monkeymonkeymonkey", nil, `Repeats like "abcabcabc" are only slightly harder to guess than "abc".`},
		{"a sequence is refused", "abcdefghijklmn", nil, "Sequences like abc or 6543 are easy to guess."},
		{"a date is refused", "31.12.1999!!", nil, "Dates are often easy to guess."},
		{"the email with a digit appended is refused", testEmail + "1", nil, "It contains your email address, your name or this site's name."},
		{"the email in capitals with a digit appended is refused", "ALICE@EXAMPLE.COM1", nil, "It contains your email address, your name or this site's name."},
		{"the site's name with digits is refused", "rampart123456", nil, "It contains your email address, your name or this site's name."},

		{"the email as a password is refused", testEmail, ErrIsEmail, ""},
		{"Tr0ub4dor&3 is refused as too short", "Tr0ub4dor&3", ErrTooShort, ""},
		{"129 characters are refused by length", strings.Repeat("xK9#mQ2$vL7pR4nZ", 9)[:129], ErrTooLong, ""},
		{"invalid UTF-8 is refused before scoring", "correct horse battery \xff", ErrInvalidUTF8, ""},

		{"correct horse battery staple is accepted", "correct horse battery staple", nil, ""},
		{"a random 16-character string is accepted", "xK9#mQ2$vL7pR4nZ", nil, ""},
		{"a passphrase of five uncommon words is accepted", "jabberwocky quixotic marmalade fjord zephyr", nil, ""},
		{"a passphrase of 128 characters is accepted", strings.Repeat("jabberwocky quixotic marmalade fjord zephyr ", 3)[:128], nil, ""},
		{"a Cyrillic passphrase is accepted", "пароль для почты", nil, ""},
		{"an accented passphrase is accepted", "mot de passe très secret", nil, ""},
		{"a Chinese passphrase is accepted", "我的密码非常安全而且很长", nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckNew(tc.pw, testEmail)
			var weak *WeakPasswordError
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Errorf("CheckNew(%q) = %v, want %v", tc.pw, err, tc.wantErr)
				}
			case tc.weak != "":
				if !errors.As(err, &weak) || weak.Warning != tc.weak {
					t.Errorf("CheckNew(%q) = %#v, want a *WeakPasswordError warning %q", tc.pw, err, tc.weak)
				}
			case err != nil:
				t.Errorf("CheckNew(%q) = %v, want nil", tc.pw, err)
			}
		})
	}
}

func TestStrength(t *testing.T) {
	cases := []struct {
		name           string
		pw             string
		inputs         []string
		wantScore      int
		wantWarning    string
		wantSuggestion string // one of the suggestions
	}{
		{"a top-10 password is named as such", "password", nil, 0, "This is a top-10 common password.", addWords},
		{"a top-100 password is named as such", "iloveyou", nil, 0, "This is a top-100 common password.", addWords},
		{"capitals on a common word do not help", "Password", nil, 0, "This is a top-10 common password.", "Capitalization doesn't help very much."},
		{"all capitals do not help", "PASSWORD", nil, 0, "This is a top-10 common password.", "All-uppercase is almost as easy to guess as all-lowercase."},
		{"a reversed common password is similar to it", "drowssap", nil, 0, "This is similar to a commonly used password.", "Reversed words aren't much harder to guess."},
		{"l33t substitutions do not help", "p@ssw0rd", nil, 0, "This is similar to a commonly used password.", "Predictable substitutions like '@' instead of 'a' don't help very much."},
		{"a name by itself is easy to guess", "jennifer", nil, 0, "Names and surnames by themselves are easy to guess.", addWords},
		{"a word by itself is easy to guess", "battery", nil, 1, "A word by itself is easy to guess.", addWords},
		{"a recent year is easy to guess", "x2013", nil, 1, "Recent years are easy to guess.", "Avoid recent years."},
		{"a keyboard row is easy to guess", "zxcvbnm,./", nil, 1, "Straight rows of keys are easy to guess.", "Avoid keyboard patterns."},
		{"user inputs match whatever their case", "Alice@Example.com1", []string{" ALICE@example.com "}, 1, "It contains your email address, your name or this site's name.", addWords},
		{"the local part of the email is an account input", "alice", accountInputs(testEmail), 0, "It contains your email address, your name or this site's name.", addWords},
		{"an empty password gets the default advice", "", nil, 0, "", "Use a few words and avoid common phrases."},
		{"a common password scoring 3 is still not acceptable", "MoMsAnAlAdVeNtUrE", nil, 3, "This is a very common password.", addWords},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Strength(tc.pw, tc.inputs...)
			if r.Acceptable || r.Score != tc.wantScore || r.Warning != tc.wantWarning || !slices.Contains(r.Suggestions, tc.wantSuggestion) {
				t.Errorf("Strength(%q) = %+v, want score %d, not acceptable, warning %q and suggestion %q",
					tc.pw, r, tc.wantScore, tc.wantWarning, tc.wantSuggestion)
			}
			if len(r.Suggestions) > 4 {
				t.Errorf("Strength(%q) gave %d suggestions, want a few", tc.pw, len(r.Suggestions))
			}
		})
	}
}

func TestAnAcceptablePasswordGetsNoFeedback(t *testing.T) {
	r := Strength("correct horse battery staple", testEmail, "alice", siteName)
	want := StrengthResult{Score: 4, Acceptable: true}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Strength(correct horse battery staple) = %+v, want %+v", r, want)
	}
}

func TestWeakPasswordErrorIsASentence(t *testing.T) {
	cases := []struct {
		name string
		err  *WeakPasswordError
		want string
	}{
		{"the warning follows a colon, lower-cased",
			&WeakPasswordError{"This is a very common password.", []string{addWords}},
			"This password is too easy to guess: this is a very common password. Add another word or two; uncommon words are better."},
		{"several suggestions follow in order",
			&WeakPasswordError{`Repeats like "aaa" are easy to guess.`, []string{addWords, "Avoid repeated words and characters."}},
			`This password is too easy to guess: repeats like "aaa" are easy to guess. Add another word or two; uncommon words are better. Avoid repeated words and characters.`},
		{"without a warning the sentence still reads",
			&WeakPasswordError{"", []string{addWords}},
			"This password is too easy to guess. Add another word or two; uncommon words are better."},
		{"with nothing at all it is one sentence", &WeakPasswordError{}, "This password is too easy to guess."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCheckNewErrorContainsTheWarning(t *testing.T) {
	err := CheckNew("password123456", testEmail)
	want := "This password is too easy to guess: this is similar to a commonly used password. Add another word or two; uncommon words are better."
	if err == nil || err.Error() != want {
		t.Errorf("CheckNew(password123456) = %v, want %q", err, want)
	}
}

func TestAccountInputs(t *testing.T) {
	cases := []struct {
		name  string
		email string
		want  []string
	}{
		{"an email gives itself, its local part and the site", "alice@example.com", []string{"alice@example.com", "alice", siteName}},
		{"a dotted local part also gives its words", "jane.doe@example.com", []string{"jane.doe@example.com", "jane.doe", "jane", "doe", siteName}},
		{"words shorter than three characters are left out", "j.r.tolkien@example.com", []string{"j.r.tolkien@example.com", "j.r.tolkien", "tolkien", siteName}},
		{"no email gives the site alone", " ", []string{siteName}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := accountInputs(tc.email); !slices.Equal(got, tc.want) {
				t.Errorf("accountInputs(%q) = %q, want %q", tc.email, got, tc.want)
			}
		})
	}
}

func TestScoredPrefix(t *testing.T) {
	cases := []struct {
		name               string
		pw                 string
		minChars, maxChars int
	}{
		{"a short password is scored whole", "correct horse battery staple", 28, 28},
		{"plain ASCII is scored up to 100 characters", strings.Repeat("abcdefghij", 13), 100, 100},
		{"Cyrillic is scored on about 100 bytes", strings.Repeat("пароль", 20), 50, 50},
		{"four-byte characters are scored on about 100 bytes", strings.Repeat("🔐", 128), 25, 25},
		{"a password packed with l33t symbols is scored on a short prefix", strings.Repeat("4@8({[<3691!|1705$+7%2", 6), MinLength, 20},
		{"a few l33t symbols shorten the prefix a little", strings.Repeat("P@$$w0rd!1234567", 8), 50, 70},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := scoredPrefix(tc.pw)
			n := utf8.RuneCountInString(p)
			if !strings.HasPrefix(tc.pw, p) || !utf8.ValidString(p) || n < tc.minChars || n > tc.maxChars {
				t.Errorf("scoredPrefix(%q) = %q (%d characters), want a whole-character prefix of %d to %d characters",
					tc.pw, p, n, tc.minChars, tc.maxChars)
			}
		})
	}
}

func TestAPasswordLongerThanTheScoredPrefixIsScoredOnThePrefix(t *testing.T) {
	prefix := strings.Repeat("jabberwocky quixotic marmalade fjord zephyr ", 3)[:MaxScoredLength]
	if got, want := Strength(prefix+"aaaaaaaaaaaaaaaaaaaaaaaaaaaa"), Strength(prefix); !reflect.DeepEqual(got, want) {
		t.Errorf("Strength(prefix + more) = %+v, want Strength(prefix) = %+v", got, want)
	}
}

func TestStrengthIsSafeForConcurrentUse(t *testing.T) {
	pws := []string{"password123456", "correct horse battery staple", "p@ssw0rd", "пароль для почты", "31.12.1999!!"}
	want := make([]StrengthResult, len(pws))
	for i, pw := range pws {
		want[i] = Strength(pw, testEmail)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i, pw := range pws {
				if got := Strength(pw, testEmail); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("concurrent Strength(%q) = %+v, want %+v", pw, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}

// FuzzStrength checks that scoring any input, however hostile, never panics
// and answers with a score in range, feedback exactly when not acceptable,
// and a prefix of whole characters.
func FuzzStrength(f *testing.F) {
	for _, s := range []string{"", "password", "P@$$w0rd!1234567", "пароль для почты", "1/2/85-1/2/85",
		"aaaaaaaaaaaa", "\xff\xfe", "🔐🔐🔐", "4@8({[<3691!|1705$+7%2", "correct horse battery staple"} {
		f.Add(s, testEmail)
	}
	f.Fuzz(func(t *testing.T, pw, input string) {
		if len(pw) > 4*MaxLength {
			return
		}
		r := Strength(pw, input)
		if r.Score < 0 || r.Score > 4 {
			t.Fatalf("Strength(%q).Score = %d", pw, r.Score)
		}
		if r.Acceptable && (r.Warning != "" || len(r.Suggestions) > 0) {
			t.Fatalf("Strength(%q) is acceptable but has feedback: %+v", pw, r)
		}
		if !r.Acceptable && len(r.Suggestions) == 0 {
			t.Fatalf("Strength(%q) is not acceptable but has no suggestion: %+v", pw, r)
		}
		if p := scoredPrefix(pw); !strings.HasPrefix(pw, p) || utf8.RuneCountInString(p) > MaxScoredLength {
			t.Fatalf("scoredPrefix(%q) = %q", pw, p)
		}
	})
}

func BenchmarkStrength(b *testing.B) {
	cases := []struct{ name, pw string }{
		{"a typical passphrase", "correct horse battery staple"},
		{"a random 16-character string", "xK9#mQ2$vL7pR4nZ"},
		{"a common password", "password123456"},
		{"100 digits, the worst plain case", strings.Repeat("1985", 25)},
		{"128 l33t symbols", strings.Repeat("4@8({[<3691!|1705$+7%2", 6)[:128]},
		{"128 characters with a few l33t symbols", strings.Repeat("P@$$w0rd!1234567", 8)},
		{"128 Cyrillic characters", string([]rune(strings.Repeat("пароль ", 19))[:128])},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Strength(tc.pw, testEmail, "alice", siteName)
			}
		})
	}
}

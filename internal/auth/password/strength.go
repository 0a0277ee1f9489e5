package password

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"
)

// MinScore is the lowest acceptable zxcvbn score (DESIGN.md): 3 is "safely
// unguessable", about 10^8 guesses or more, which resists an offline attack
// on a slow hash such as argon2id.
const MinScore = 3

// MaxScoredLength is how many characters of a password are scored at most.
// zxcvbn's matchers are quadratic and worse in the length, so a longer
// password is scored on its prefix. That errs on the safe side: a password is
// no easier to guess than its prefix, so scoring the prefix can only
// understate its strength (within the precision of zxcvbn's model), and 100
// characters that score 3 are plenty.
const MaxScoredLength = 100

// The cost model of scoredPrefix, measured on trustelem/zxcvbn v1.0.1:
// scoring grows faster than the square of the length in bytes, and each l33t
// substitution map zxcvbn tries adds about an eighth of the plain matching.
// maxScoredWork is MaxScoredLength ASCII characters without l33t symbols,
// which zxcvbn scores in tens of milliseconds at worst (BenchmarkStrength).
const (
	leetWeight    = 8
	maxScoredWork = MaxScoredLength * MaxScoredLength * (leetWeight + 1)
)

// siteName is always an input to CheckNew: a password built on the name of
// the site is among the first an attacker tries.
const siteName = "rampart"

// StrengthResult is zxcvbn's verdict on a password, with feedback for the
// person choosing it.
type StrengthResult struct {
	// Score is zxcvbn's estimate for the scored prefix: 0 (too guessable),
	// 1 (very guessable), 2 (somewhat guessable), 3 (safely unguessable) or
	// 4 (very unguessable).
	Score int
	// Acceptable reports Score >= MinScore and that the password is not an
	// entry of zxcvbn's common-password dictionary, whatever its case, l33t
	// substitutions or reversal.
	Acceptable bool
	// Warning is at most one sentence saying what makes the password easy to
	// guess; empty when it is acceptable or when nothing specific was found.
	Warning string
	// Suggestions are a few sentences on how to do better; empty when the
	// password is acceptable.
	Suggestions []string
}

// Strength scores pw with zxcvbn (github.com/trustelem/zxcvbn, a port of
// Dropbox's zxcvbn 4.4.2 that embeds its 30,000 common passwords, names and
// English words). userInputs are words an attacker would try first for this
// account, such as the email address and the site's name; they are matched
// case-insensitively. The feedback is derived from the match sequence the
// way zxcvbn's own feedback module does it, which the Go port lacks.
//
// Only a prefix of pw is scored: at most MaxScoredLength characters, and
// fewer when pw is long in bytes (non-ASCII) or full of the symbols zxcvbn
// reads as l33t substitutions, whose matching time grows with the product of
// the alternatives (one such password of 100 characters takes zxcvbn the
// better part of a second). The prefix never gets shorter than MinLength
// characters. Strength is pure and safe for concurrent use.
func Strength(pw string, userInputs ...string) StrengthResult {
	inputs := make([]string, 0, len(userInputs))
	for _, in := range userInputs {
		if in = strings.TrimSpace(in); in != "" {
			inputs = append(inputs, in)
		}
	}
	r := zxcvbn.PasswordStrength(scoredPrefix(pw), inputs)
	common := isCommonPassword(r.Sequence)
	res := StrengthResult{Score: r.Score, Acceptable: r.Score >= MinScore && !common}
	if !res.Acceptable {
		res.Warning, res.Suggestions = strengthFeedback(r.Sequence, common)
	}
	return res
}

// WeakPasswordError is CheckNew's answer for a password that is long enough
// but too easy to guess. Warning and Suggestions are Strength's, for showing
// beside the password field.
type WeakPasswordError struct {
	Warning     string
	Suggestions []string
}

// Error is a sentence a person understands, such as "This password is too
// easy to guess: this is a very common password. Add another word or two;
// uncommon words are better."
func (e *WeakPasswordError) Error() string {
	var b strings.Builder
	b.WriteString("This password is too easy to guess")
	if w := strings.TrimSuffix(e.Warning, "."); w != "" {
		first, size := utf8.DecodeRuneInString(w)
		b.WriteString(": ")
		b.WriteRune(unicode.ToLower(first))
		b.WriteString(w[size:])
	}
	b.WriteString(".")
	for _, s := range e.Suggestions {
		b.WriteString(" ")
		b.WriteString(s)
	}
	return b.String()
}

// CheckNew applies the whole policy for a new password of the account email:
// Validate first (returning its error), then Strength with the email, its
// local part and the words in it, and the site's name as user inputs. It
// returns a *WeakPasswordError when the password is not Acceptable, else nil.
func CheckNew(pw, email string) error {
	if err := Validate(pw, email); err != nil {
		return err
	}
	if r := Strength(pw, accountInputs(email)...); !r.Acceptable {
		return &WeakPasswordError{Warning: r.Warning, Suggestions: r.Suggestions}
	}
	return nil
}

// accountInputs are the email, its local part, the words of the local part
// ("jane.doe" gives "jane" and "doe") and the site's name.
func accountInputs(email string) []string {
	email = strings.TrimSpace(email)
	inputs := []string{}
	if email != "" {
		inputs = append(inputs, email)
		local := email
		if at := strings.LastIndexByte(email, '@'); at >= 0 {
			local = email[:at]
			inputs = append(inputs, local)
		}
		words := strings.FieldsFunc(local, func(r rune) bool { return strings.ContainsRune("._-+", r) })
		if len(words) > 1 {
			for _, w := range words {
				if utf8.RuneCountInString(w) >= 3 {
					inputs = append(inputs, w)
				}
			}
		}
	}
	return append(inputs, siteName)
}

// scoredPrefix returns the longest prefix of pw, in whole characters, of at
// most MaxScoredLength characters whose estimated cost, bytes² × (leetWeight
// + l33t variants), stays within maxScoredWork; but never fewer than
// MinLength characters. The variants are the product, over the letters of
// zxcvbn's l33t table, of how many of that letter's substitutes occur in the
// prefix: zxcvbn re-runs its dictionary matching for about that many
// substitution maps. Plain ASCII keeps 100 characters, Cyrillic about 50,
// and a password packed with l33t symbols as few as MinLength.
func scoredPrefix(pw string) string {
	var seen [utf8.RuneSelf]bool
	variants, chars := 1, 0
	for end := 0; end < len(pw); {
		if chars == MaxScoredLength {
			return pw[:end]
		}
		r, size := utf8.DecodeRuneInString(pw[end:])
		if r < utf8.RuneSelf && !seen[r] && strings.ContainsRune(leetSubstitutes, r) {
			seen[r] = true
			variants = leetVariants(&seen)
		}
		chars++
		if next := end + size; chars > MinLength && next*next*(leetWeight+variants) > maxScoredWork {
			return pw[:end]
		}
		end += size
	}
	return pw
}

// leetSubstitutes lists, letter by letter (a b c e g i l o s t x z), the
// characters zxcvbn 4.4.2 (and so trustelem/zxcvbn v1.0.1) reads as l33t
// substitutions for that letter.
const leetSubstitutes = "4@ 8 ({[< 3 69 1!| 1|7 0 $5 +7 % 2"

func leetVariants(seen *[utf8.RuneSelf]bool) int {
	variants := 1
	for subs := range strings.FieldsSeq(leetSubstitutes) {
		n := 0
		for i := 0; i < len(subs); i++ {
			if seen[subs[i]] {
				n++
			}
		}
		variants *= max(n, 1)
	}
	return variants
}

// isCommonPassword reports whether zxcvbn explains the whole password as one
// entry of its common-password dictionary.
func isCommonPassword(seq []*match.Match) bool {
	return len(seq) == 1 && seq[0].Pattern == "dictionary" && seq[0].DictionaryName == "passwords"
}

// The feedback below follows zxcvbn 4.4.2's feedback module: it explains the
// longest match of the sequence. Deliberate differences: a warning for the
// user inputs, and "avoid keyboard patterns" instead of "use a longer keyboard
// pattern with more turns", since crackers enumerate keyboard walks.
const addWords = "Add another word or two; uncommon words are better."

func strengthFeedback(seq []*match.Match, common bool) (warning string, suggestions []string) {
	if len(seq) == 0 {
		return "", []string{"Use a few words and avoid common phrases.", "No need for symbols, digits or uppercase letters."}
	}
	longest := seq[0]
	for _, m := range seq[1:] {
		if utf8.RuneCountInString(m.Token) > utf8.RuneCountInString(longest.Token) {
			longest = m
		}
	}
	warning, suggestions = matchFeedback(longest, len(seq) == 1)
	if common && warning == "" {
		warning = "This is similar to a commonly used password."
	}
	return warning, append([]string{addWords}, suggestions...)
}

func matchFeedback(m *match.Match, sole bool) (warning string, suggestions []string) {
	switch m.Pattern {
	case "dictionary":
		return dictionaryFeedback(m, sole)
	case "spatial":
		if m.Turns == 1 {
			return "Straight rows of keys are easy to guess.", []string{"Avoid keyboard patterns."}
		}
		return "Short keyboard patterns are easy to guess.", []string{"Avoid keyboard patterns."}
	case "repeat":
		if utf8.RuneCountInString(m.BaseToken) == 1 {
			return `Repeats like "aaa" are easy to guess.`, []string{"Avoid repeated words and characters."}
		}
		return `Repeats like "abcabcabc" are only slightly harder to guess than "abc".`, []string{"Avoid repeated words and characters."}
	case "sequence":
		return "Sequences like abc or 6543 are easy to guess.", []string{"Avoid sequences."}
	case "regex":
		if m.RegexName == "recent_year" {
			return "Recent years are easy to guess.", []string{"Avoid recent years.", "Avoid years that are associated with you."}
		}
	case "date":
		return "Dates are often easy to guess.", []string{"Avoid dates and years that are associated with you."}
	}
	return "", nil
}

func dictionaryFeedback(m *match.Match, sole bool) (warning string, suggestions []string) {
	switch m.DictionaryName {
	case "passwords":
		plain := sole && !m.L33t && !m.Reversed
		switch {
		case plain && m.Rank <= 10:
			warning = "This is a top-10 common password."
		case plain && m.Rank <= 100:
			warning = "This is a top-100 common password."
		case plain:
			warning = "This is a very common password."
		case m.Guesses <= 1e4:
			warning = "This is similar to a commonly used password."
		}
	case "english_wikipedia":
		if sole {
			warning = "A word by itself is easy to guess."
		}
	case "surnames", "male_names", "female_names":
		warning = "Common names and surnames are easy to guess."
		if sole {
			warning = "Names and surnames by themselves are easy to guess."
		}
	case "user_inputs":
		warning = "It contains your email address, your name or this site's name."
	}
	switch word := m.Token; {
	case startsUpper(word):
		suggestions = append(suggestions, "Capitalization doesn't help very much.")
	case !strings.ContainsFunc(word, isASCIILower) && strings.ContainsFunc(word, isASCIIUpper):
		suggestions = append(suggestions, "All-uppercase is almost as easy to guess as all-lowercase.")
	}
	if m.Reversed && utf8.RuneCountInString(m.Token) >= 4 {
		suggestions = append(suggestions, "Reversed words aren't much harder to guess.")
	}
	if m.L33t {
		suggestions = append(suggestions, "Predictable substitutions like '@' instead of 'a' don't help very much.")
	}
	return warning, suggestions
}

// startsUpper is zxcvbn's START_UPPER, /^[A-Z][^A-Z]+$/.
func startsUpper(s string) bool {
	return len(s) > 1 && isASCIIUpper(rune(s[0])) && !strings.ContainsFunc(s[1:], isASCIIUpper)
}

func isASCIIUpper(r rune) bool { return 'A' <= r && r <= 'Z' }
func isASCIILower(r rune) bool { return 'a' <= r && r <= 'z' }

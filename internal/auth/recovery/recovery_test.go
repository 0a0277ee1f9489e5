package recovery

import (
	"math"
	"regexp"
	"strings"
	"testing"
)

// codeShape is a displayed code: two groups of five symbols of the alphabet.
var codeShape = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$`)

func TestAlphabet(t *testing.T) {
	if len(alphabet) != 32 {
		t.Fatalf("the alphabet has %d symbols, want 32", len(alphabet))
	}
	if strings.ContainsAny(alphabet, "ilou") {
		t.Error("the alphabet contains one of i, l, o, u")
	}
	for i := 1; i < len(alphabet); i++ {
		if alphabet[i] <= alphabet[i-1] {
			t.Fatalf("the alphabet is not strictly increasing at %q", alphabet[i])
		}
	}
	if bits := Length * math.Log2(float64(len(alphabet))); bits < 50 {
		t.Errorf("a code carries %.0f bits, want at least 50", bits)
	}
}

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		codes := Generate()
		if len(codes) != Count {
			t.Fatalf("Generate returned %d codes, want %d", len(codes), Count)
		}
		set := map[string]bool{}
		for _, code := range codes {
			if !codeShape.MatchString(code) {
				t.Fatalf("code %q is not xxxxx-xxxxx from the alphabet", code)
			}
			if set[code] {
				t.Fatalf("code %q appears twice in one set", code)
			}
			set[code] = true
			if seen[code] {
				t.Fatalf("code %q appears in two sets", code)
			}
			seen[code] = true
			norm, ok := Normalize(code)
			if !ok || norm != strings.ReplaceAll(code, "-", "") {
				t.Fatalf("Normalize(%q) = %q, %v", code, norm, ok)
			}
		}
	}
}

// TestGenerateIsUniform counts symbols over 20,000 codes, per position and
// for pairs of neighbouring positions, and checks the counts with a
// chi-square statistic against a bound far (over eight standard deviations)
// above its expected value, so that only a real bias fails: a skewed
// alphabet mapping, a position that never varies, or two positions that
// share random bits.
func TestGenerateIsUniform(t *testing.T) {
	const sets = 2000
	var single [Length][32]int
	var pairs [Length - 1][32 * 32]int
	for range sets {
		for _, code := range Generate() {
			norm, _ := Normalize(code)
			for i := range Length {
				v := strings.IndexByte(alphabet, norm[i])
				single[i][v]++
				if i+1 < Length {
					pairs[i][v*32+strings.IndexByte(alphabet, norm[i+1])]++
				}
			}
		}
	}
	const n = sets * Count
	for i := range Length {
		if chi, dof := chiSquare(single[i][:], n), 31.0; chi > dof+8*math.Sqrt(2*dof) {
			t.Errorf("position %d: chi-square %.1f with %v degrees of freedom; counts %v", i, chi, dof, single[i])
		}
		for v, c := range single[i] {
			if c == 0 {
				t.Errorf("symbol %q never appears at position %d", alphabet[v], i)
			}
		}
	}
	for i := range Length - 1 {
		if chi, dof := chiSquare(pairs[i][:], n), 1023.0; chi > dof+8*math.Sqrt(2*dof) {
			t.Errorf("positions %d and %d: chi-square %.1f with %v degrees of freedom", i, i+1, chi, dof)
		}
	}
}

// chiSquare is Pearson's statistic of counts against a uniform distribution
// of total observations.
func chiSquare(counts []int, total int) float64 {
	expected := float64(total) / float64(len(counts))
	var chi float64
	for _, c := range counts {
		d := float64(c) - expected
		chi += d * d / expected
	}
	return chi
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name   string
		input  string
		want   string
		wantOK bool
	}{
		{"a displayed code is accepted without its hyphen", "x7k2m-9qbwe", "x7k2m9qbwe", true},
		{"a code without the hyphen is accepted", "x7k2m9qbwe", "x7k2m9qbwe", true},
		{"upper case is lowered", "X7K2M-9QBWE", "x7k2m9qbwe", true},
		{"mixed case is lowered", "x7K2m-9qBWe", "x7k2m9qbwe", true},
		{"surrounding whitespace is trimmed", " \tx7k2m-9qbwe\r\n", "x7k2m9qbwe", true},
		{"a pasted non-breaking space around the code is trimmed", "\u00a0x7k2m-9qbwe\u00a0", "x7k2m9qbwe", true},
		{"spaces instead of the hyphen are accepted", "x7k2m 9qbwe", "x7k2m9qbwe", true},
		{"spaces and hyphens anywhere are removed", "x7-k2 m--9q b w e", "x7k2m9qbwe", true},
		{"i is read as 1", "i1111-11111", "1111111111", true},
		{"I is read as 1", "I1111-11111", "1111111111", true},
		{"l is read as 1", "l1111-11111", "1111111111", true},
		{"L is read as 1", "L1111-11111", "1111111111", true},
		{"o is read as 0", "o0000-00000", "0000000000", true},
		{"O is read as 0", "O0000-00000", "0000000000", true},
		{"the whole alphabet's letters are accepted", "abcde-fghjk", "abcdefghjk", true},
		{"the rest of the alphabet is accepted", "mnpqr-stvwx", "mnpqrstvwx", true},
		{"y and z are accepted", "yzyzy-zyzyz", "yzyzyzyzyz", true},
		{"u is refused", "u7k2m-9qbwe", "", false},
		{"U is refused", "U7K2M-9QBWE", "", false},
		{"nine symbols are refused", "x7k2m-9qbw", "", false},
		{"eleven symbols are refused", "x7k2m-9qbwea", "", false},
		{"a six-digit TOTP code is refused", "123456", "", false},
		{"the empty string is refused", "", "", false},
		{"only hyphens and spaces are refused", "- - - - - -", "", false},
		{"an underscore is refused", "x7k2m_9qbwe", "", false},
		{"a tab inside is refused", "x7k2m\t9qbwe", "", false},
		{"a dot is refused", "x7k2m.9qbwe", "", false},
		{"a non-ASCII letter is refused", "x7k2m-9qbwé", "", false},
		{"a letter that upper-cases to ASCII is refused", "ı7k2m-9qbwe", "", false},
		{"a NUL byte is refused", "x7k2m-9qbw\x00", "", false},
		{"64 bytes of padding and code are accepted", strings.Repeat(" ", 53) + "x7k2m-9qbwe", "x7k2m9qbwe", true},
		{"65 bytes are refused even when they would normalise", strings.Repeat(" ", 54) + "x7k2m-9qbwe", "", false},
		{"a megabyte is refused", strings.Repeat("a", 1<<20), "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Normalize(c.input)
			if got != c.want || ok != c.wantOK {
				t.Errorf("Normalize(%.40q) = %q, %v; want %q, %v", c.input, got, ok, c.want, c.wantOK)
			}
			if LooksLikeCode(c.input) != c.wantOK {
				t.Errorf("LooksLikeCode(%.40q) = %v, want %v", c.input, !c.wantOK, c.wantOK)
			}
		})
	}
}

func TestSixDigitsNeverLookLikeACode(t *testing.T) {
	for _, s := range []string{"000000", "123456", "999999", "123 456", "123-456", " 654321 "} {
		if LooksLikeCode(s) {
			t.Errorf("LooksLikeCode(%q) = true for a TOTP code", s)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	for b.Loop() {
		Normalize(" X7K2M-9QBWE ")
	}
}

package recovery

import (
	"strings"
	"testing"
)

// FuzzNormalize checks that Normalize never panics, that what it accepts is
// always Length symbols of the alphabet and already canonical, that it
// accepts only short input, and that LooksLikeCode agrees with it.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"x7k2m-9qbwe", "X7K2M 9QBWE", " ilo01-ILO01 ", "u7k2m-9qbwe", "123456", "", "-", "x7k2m-9qbw",
		"ı7k2m-9qbwe", "\u00a0x7k2m-9qbwe", strings.Repeat("a", 65), Generate()[0],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		out, ok := Normalize(input)
		if LooksLikeCode(input) != ok {
			t.Fatalf("LooksLikeCode(%q) disagrees with Normalize", input)
		}
		if !ok {
			if out != "" {
				t.Fatalf("Normalize(%q) refused but returned %q", input, out)
			}
			return
		}
		if len(input) > maxInput {
			t.Fatalf("Normalize accepted %d bytes of input", len(input))
		}
		if len(out) != Length {
			t.Fatalf("Normalize(%q) = %q, %d symbols", input, out, len(out))
		}
		for i := 0; i < len(out); i++ {
			if strings.IndexByte(alphabet, out[i]) < 0 {
				t.Fatalf("Normalize(%q) = %q, which has %q outside the alphabet", input, out, out[i])
			}
		}
		if again, ok := Normalize(out); !ok || again != out {
			t.Fatalf("Normalize(%q) = %q, but Normalize of that is %q, %v", input, out, again, ok)
		}
	})
}

package totp

import (
	"bytes"
	"crypto/rand"
	"math/big"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCodeMatchesOathtool checks Code against an independent implementation,
// OATH Toolkit's oathtool, for random secrets of several sizes and random
// times up to the year 2500.
func TestCodeMatchesOathtool(t *testing.T) {
	oathtool, err := exec.LookPath("oathtool")
	if err != nil {
		t.Skip("oathtool is not installed; run `apt-get install oathtool` to check codes against it (CI does)")
	}
	maxUnix := big.NewInt(time.Date(2500, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	for i, size := range []int{SecretSize, SecretSize, SecretSize, SecretSize, 10, 16, 32, 64} {
		secret := NewSecret()
		if size != SecretSize {
			secret = make([]byte, size)
			rand.Read(secret)
		}
		n, err := rand.Int(rand.Reader, maxUnix)
		if err != nil {
			t.Fatal(err)
		}
		unix := n.Int64()
		if i == 0 {
			unix = 1_750_000_000
		}
		b32 := EncodeSecret(secret)
		cmd := exec.Command(oathtool, "--totp", "-b", "-N", "@"+strconv.FormatInt(unix, 10), b32)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("oathtool --totp -b -N @%d %s: %v: %s", unix, b32, err, stderr.String())
		}
		want := strings.TrimSpace(string(out))
		if got := Code(secret, Step(time.Unix(unix, 0))); got != want {
			t.Errorf("Code(%s, time %d) = %s, oathtool says %s", b32, unix, got, want)
		}
		if _, ok := Verify(secret, want, time.Unix(unix, 0), 0); !ok {
			t.Errorf("Verify refused oathtool's code %s for %s at %d", want, b32, unix)
		}
	}
}

package totp_test

import (
	"fmt"
	"time"

	"github.com/rampart-dev/rampart/internal/auth/totp"
)

func ExampleVerify() {
	// In the application the secret comes from totp.NewSecret at enrolment
	// and the last used step from the database.
	secret := []byte("12345678901234567890")
	now := time.Unix(1_111_111_111, 0)
	var lastStep int64

	step, ok := totp.Verify(secret, "050 471", now, lastStep)
	fmt.Println(step, ok)
	lastStep = step

	// The same code a second time is a replay.
	fmt.Println(totp.Verify(secret, "050471", now, lastStep))
	// Output:
	// 37037037 true
	// 0 false
}

func ExampleURL() {
	fmt.Println(totp.URL("Rampart", "alice@example.com", []byte("12345678901234567890")))
	// Output:
	// otpauth://totp/Rampart:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Rampart&algorithm=SHA1&digits=6&period=30
}

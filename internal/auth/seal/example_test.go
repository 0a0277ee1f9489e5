package seal_test

import (
	"bytes"
	"fmt"

	"github.com/rampart-dev/rampart/internal/auth/seal"
)

func ExampleBox() {
	// In the application the masters are SECRET_KEY and its predecessor.
	oldKey, _ := seal.KeyFromMaster(bytes.Repeat([]byte{'o'}, 32))
	newKey, _ := seal.KeyFromMaster(bytes.Repeat([]byte{'n'}, 32))

	before, _ := seal.New(oldKey)
	stored, keyID := before.Seal([]byte("JBSWY3DPEHPK3PXP"), []byte("totp:42"))

	// After rotation the old value still opens and is re-sealed.
	box, _ := seal.New(newKey, oldKey)
	secret, err := box.Open(stored, keyID, []byte("totp:42"))
	fmt.Println(string(secret), err, keyID != box.Current())
	_, err = box.Open(stored, keyID, []byte("totp:43"))
	fmt.Println(err)
	// Output:
	// JBSWY3DPEHPK3PXP <nil> true
	// seal: cannot decrypt
}

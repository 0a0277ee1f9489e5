package recovery_test

import (
	"bytes"
	"fmt"

	"github.com/rampart-dev/rampart/internal/auth/recovery"
)

func ExampleNormalize() {
	// A person copies a code by hand, in capitals, with an O for a 0.
	code, ok := recovery.Normalize(" X7K2M 9QBWO ")
	fmt.Println(code, ok)

	// In the application the key is keys.Derive(secretKey, keys.RecoveryCode).
	h, err := recovery.NewHasher(bytes.Repeat([]byte{'k'}, recovery.MinKeySize))
	if err != nil {
		panic(err)
	}
	stored := h.Hash("x7k2m9qbw0")
	fmt.Println(bytes.Equal(h.Hash(code), stored))
	// Output:
	// x7k2m9qbw0 true
	// true
}

package signedurl_test

import (
	"bytes"
	"fmt"
	"net/url"
	"time"

	"github.com/rampart-dev/rampart/internal/auth/signedurl"
)

func ExampleSigner() {
	// In the application the key is keys.Derive(secretKey, keys.SignedURL).
	s, err := signedurl.New(bytes.Repeat([]byte{'k'}, signedurl.MinKeySize))
	if err != nil {
		panic(err)
	}
	now := time.Unix(1_750_000_000, 0)
	base, _ := url.Parse("https://app.example/password/reset?token=abc123")
	link := s.Sign(base, now.Add(time.Hour))
	fmt.Println(link)

	// The handler verifies the request URL it received, then reads the token.
	received, _ := url.Parse(link.RequestURI())
	fmt.Println(s.Verify(received, now), received.Query().Get("token"))
	fmt.Println(s.Verify(received, now.Add(2*time.Hour)))
	// Output:
	// https://app.example/password/reset?expires=1750003600&token=abc123&signature=YCF6hTNXQLX4xT0xvx2m5VQImickaFATLln-_GYa3Nk
	// <nil> abc123
	// signedurl: link expired
}

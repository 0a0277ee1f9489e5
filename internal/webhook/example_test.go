package webhook_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/rampart-dev/rampart/internal/webhook"
)

func ExampleForProvider() {
	now := time.Unix(1_750_000_000, 0)
	clock := func() time.Time { return now }

	// The endpoint stores the secret as text; ParseSecret makes the HMAC key.
	key, err := webhook.ParseSecret(webhook.ProviderStripe, "whsec_example0000000000000000000000")
	if err != nil {
		panic(err)
	}
	v, err := webhook.ForProvider(webhook.ProviderStripe, clock)
	if err != nil {
		panic(err)
	}

	body := []byte(`{"id":"evt_123","object":"event","type":"invoice.paid"}`)
	h := webhook.SignStripe(key, body, now.Add(-time.Minute))
	fmt.Println(h.Get(webhook.StripeSignatureHeader))

	d, err := v.Verify(h, body, [][]byte{key})
	fmt.Println(d.ID, d.EventType, d.Timestamp.Unix(), err)

	_, err = v.Verify(h, []byte(`{"id":"evt_123","object":"event","type":"invoice.paid "}`), [][]byte{key})
	fmt.Println(errors.Is(err, webhook.ErrBadSignature))
	// Output:
	// t=1749999940,v1=89c4899d691b79f4d6f6c0feb0dddd9bbec38c56c59e0eb4071296015ce45031
	// evt_123 invoice.paid 1749999940 <nil>
	// true
}

func ExampleSlack() {
	now := time.Unix(1_750_000_000, 0)
	v := webhook.NewSlack(func() time.Time { return now })
	key, _ := webhook.ParseSecret(webhook.ProviderSlack, "8f742231b10e8888abcd99yyyzzz85a5")

	// Slack checks a new Request URL with a signed challenge: answer it,
	// store nothing.
	body := []byte(`{"token":"t","challenge":"3eZbrw1aBm2rZgRN","type":"url_verification"}`)
	d, err := v.Verify(webhook.SignSlack(key, body, now), body, [][]byte{key})
	if err == nil && d.Challenge != "" {
		fmt.Println("answer 200:", d.Challenge)
	}

	body = []byte(`{"type":"event_callback","event_id":"Ev08MFMKH6","event":{"type":"app_mention"}}`)
	d, err = v.Verify(webhook.SignSlack(key, body, now), body, [][]byte{key})
	fmt.Println(d.ID, d.EventType, err)
	// Output:
	// answer 200: 3eZbrw1aBm2rZgRN
	// Ev08MFMKH6 app_mention <nil>
}

func ExampleStandard() {
	now := time.Unix(1_614_265_330, 0)
	// The current secret and, during a rotation, the previous one.
	current, _ := webhook.ParseSecret(webhook.ProviderStandard, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	previous, _ := webhook.ParseSecret(webhook.ProviderStandard, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")

	body := []byte(`{"test": 2432232314}`)
	h := webhook.SignStandard(current, body, "msg_p5jXN8AQM9LWM0D4loKWxJek", now)
	fmt.Println(h.Get(webhook.StandardSignatureHeader))

	d, err := webhook.NewStandard(func() time.Time { return now }).Verify(h, body, [][]byte{current, previous})
	fmt.Println(d.ID, err)
	// Output:
	// v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=
	// msg_p5jXN8AQM9LWM0D4loKWxJek <nil>
}

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// devMail is one message of GET /dev/mail/messages.
type devMail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

var linkRE = regexp.MustCompile(`https?://[^\s"<>]+`)

// mailedLink reads the dev mailbox of to over HTTP and returns the link to
// path (such as "/verify-email") in the newest message that has one. Mail is
// written in the transaction of the request that sent it, so it is there
// once that page has loaded.
func (s *server) mailedLink(t *testing.T, to, path string) string {
	t.Helper()
	res, err := http.Get(s.URL + "/dev/mail/messages?" + url.Values{"to": {to}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var msgs []devMail
	if err := json.NewDecoder(res.Body).Decode(&msgs); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /dev/mail/messages = %d, %v", res.StatusCode, err)
	}
	for _, m := range msgs {
		for _, link := range linkRE.FindAllString(m.Text, -1) {
			if strings.HasPrefix(link, s.URL+path+"?") {
				return link
			}
		}
	}
	t.Fatalf("no mail to %s links to %s%s (%d messages)", to, s.URL, path, len(msgs))
	return ""
}

// get sends a GET with the given Authorization header from Go, not the
// browser, and returns the status and body.
func (s *server) get(t *testing.T, path, authorization string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

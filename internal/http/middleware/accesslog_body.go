package middleware

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/rampart-dev/rampart/internal/logging"
)

// bodyCapture holds the first bytes of a request body read for the access
// log; the handler still reads the whole body, unchanged.
type bodyCapture struct {
	contentType string
	data        []byte
	truncated   bool
}

// captureBody reads up to max+1 bytes of r's body and puts them back in
// front of the rest, so the handler sees every byte. Only form and JSON
// bodies are captured.
func captureBody(r *http.Request, max int) bodyCapture {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if r.Body == nil || r.Body == http.NoBody || (ct != "application/x-www-form-urlencoded" && ct != "application/json" && !strings.HasSuffix(ct, "+json")) {
		return bodyCapture{}
	}
	buf := make([]byte, max+1)
	n, _ := io.ReadFull(r.Body, buf)
	buf = buf[:n]
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
	if n > max {
		return bodyCapture{contentType: ct, data: buf[:max], truncated: true}
	}
	return bodyCapture{contentType: ct, data: buf}
}

// redacted renders the captured body with the values of sensitive fields
// replaced. Truncated or unparseable bodies are described by size only:
// a cut-off body cannot be parsed, so it cannot be redacted reliably.
func (b bodyCapture) redacted(sensitive map[string]bool) (string, bool) {
	if b.contentType == "" {
		return "", false
	}
	if b.truncated {
		return fmt.Sprintf("[%s body over %d bytes not logged]", b.contentType, len(b.data)), true
	}
	isSensitive := func(name string) bool { return sensitive[strings.ToLower(name)] || logging.IsSensitiveKey(name) }
	if b.contentType == "application/x-www-form-urlencoded" {
		return RedactQueryFunc(string(b.data), isSensitive), true
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(b.data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Sprintf("[unparseable %s body of %d bytes not logged]", b.contentType, len(b.data)), true
	}
	out, err := json.Marshal(redactJSON(v, isSensitive))
	if err != nil {
		return "[body not logged]", true
	}
	return string(out), true
}

// redactJSON replaces the value of every object member whose name is
// sensitive, and every string shaped like a credential, at any depth.
func redactJSON(v any, isSensitive func(string) bool) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			if isSensitive(k) {
				t[k] = logging.Redacted
			} else {
				t[k] = redactJSON(val, isSensitive)
			}
		}
	case []any:
		for i := range t {
			t[i] = redactJSON(t[i], isSensitive)
		}
	case string:
		if logging.LooksSecret(t) {
			return logging.Redacted
		}
	}
	return v
}

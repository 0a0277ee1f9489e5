package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/rampart-dev/rampart/internal/logging"
)

func TestContextAttributesAppearOnEveryLine(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, logging.FormatJSON, slog.LevelInfo)
	ctx := logging.WithAttrs(context.Background(), slog.String("request_id", "abc123"))
	ctx = logging.WithAttrs(ctx, slog.String("client_ip", "192.0.2.1"))

	log.InfoContext(ctx, "first")
	log.With("component", "x").InfoContext(ctx, "second")
	log.Info("without context")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3: %s", len(lines), buf.String())
	}
	for i, line := range lines[:2] {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %v", i, err)
		}
		if rec["request_id"] != "abc123" || rec["client_ip"] != "192.0.2.1" {
			t.Errorf("line %d lacks context attributes: %s", i, line)
		}
	}
	if strings.Contains(lines[2], "request_id") {
		t.Errorf("a line logged without context carries a request id: %s", lines[2])
	}
}

func TestSensitiveValuesAreRedacted(t *testing.T) {
	cases := []struct {
		name   string
		key    string
		redact bool
	}{
		{"a password is redacted", "password", true},
		{"a mixed-case token key is redacted", "Refresh_Token", true},
		{"an api key is redacted", "api_key", true},
		{"an authorization header is redacted", "Authorization", true},
		{"a webhook signature is redacted", "stripe_signature", true},
		{"a TOTP code is redacted", "totp_code", true},
		{"an email is kept", "email", false},
		{"a path is kept", "path", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			logging.New(&buf, logging.FormatText, slog.LevelInfo).Info("m", tc.key, "hunter2-value")
			leaked := strings.Contains(buf.String(), "hunter2-value")
			if tc.redact && leaked {
				t.Errorf("value of %q leaked: %s", tc.key, buf.String())
			}
			if !tc.redact && !leaked {
				t.Errorf("value of %q was redacted: %s", tc.key, buf.String())
			}
		})
	}
}

func TestLevelFiltersRecords(t *testing.T) {
	var buf bytes.Buffer
	log := logging.New(&buf, logging.FormatText, slog.LevelWarn)
	log.Info("quiet")
	log.Warn("loud")
	if strings.Contains(buf.String(), "quiet") || !strings.Contains(buf.String(), "loud") {
		t.Errorf("level not applied: %s", buf.String())
	}
}

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	_ Secrets = EnvSecrets{}
	_ Secrets = FileSecrets{}
)

// writeFile writes content to a new file in a test directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestEnvSecretsGet(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name    string
		prefix  string
		vars    map[string]string
		want    string
		wantOK  bool
		wantErr string // substring of the error, when one is expected
	}{
		{name: "a set variable is returned", vars: map[string]string{"API_TOKEN": "t0k"}, want: "t0k", wantOK: true},
		{name: "an absent variable is not ok", vars: map[string]string{}},
		{name: "the prefix is prepended", prefix: "APP_", vars: map[string]string{"APP_API_TOKEN": "p", "API_TOKEN": "x"}, want: "p", wantOK: true},
		{name: "an unprefixed variable is ignored when a prefix is set", prefix: "APP_", vars: map[string]string{"API_TOKEN": "x"}},
		{name: "a _FILE is read without its trailing newline", vars: map[string]string{"API_TOKEN_FILE": writeFile(t, "a", "f1le\n")}, want: "f1le", wantOK: true},
		{name: "a _FILE loses a trailing CRLF", vars: map[string]string{"API_TOKEN_FILE": writeFile(t, "b", "crlf\r\n")}, want: "crlf", wantOK: true},
		{name: "a _FILE loses only one newline and no spaces", vars: map[string]string{"API_TOKEN_FILE": writeFile(t, "c", " two \n\n")}, want: " two \n", wantOK: true},
		{name: "a prefixed _FILE is read", prefix: "APP_", vars: map[string]string{"APP_API_TOKEN_FILE": writeFile(t, "d", "pf")}, want: "pf", wantOK: true},
		{name: "an empty _FILE is present but empty", vars: map[string]string{"API_TOKEN_FILE": writeFile(t, "e", "")}, want: "", wantOK: true},
		{name: "setting both the variable and _FILE is an error", vars: map[string]string{"API_TOKEN": "v4lue", "API_TOKEN_FILE": writeFile(t, "f", "x")}, wantErr: "API_TOKEN: both API_TOKEN and API_TOKEN_FILE are set"},
		{name: "an unreadable _FILE is an error naming the path", vars: map[string]string{"API_TOKEN_FILE": missing}, wantErr: "API_TOKEN_FILE: open " + missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := EnvSecrets{Getenv: mapEnv(tt.vars), Prefix: tt.prefix}.Get("API_TOKEN")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "v4lue") {
					t.Errorf("error %q reveals the value", err)
				}
				return
			}
			if err != nil || got != tt.want || ok != tt.wantOK {
				t.Errorf("Get = %q, %v, %v; want %q, %v, nil", got, ok, err, tt.want, tt.wantOK)
			}
		})
	}
}

func TestEnvSecretsRequire(t *testing.T) {
	tests := []struct {
		name, prefix string
		vars         map[string]string
		want         string
		wantMissing  string // the secret named in an ErrSecretMissing error
	}{
		{name: "a present secret is returned", vars: map[string]string{"API_TOKEN": "t"}, want: "t"},
		{name: "an absent secret is missing", vars: map[string]string{}, wantMissing: "API_TOKEN"},
		{name: "an absent prefixed secret names the full variable", prefix: "APP_", vars: map[string]string{}, wantMissing: "APP_API_TOKEN"},
		{name: "an empty _FILE is missing", vars: map[string]string{"API_TOKEN_FILE": writeFile(t, "e", "\n")}, wantMissing: "API_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := EnvSecrets{Getenv: mapEnv(tt.vars), Prefix: tt.prefix}.Require("API_TOKEN")
			assertRequire(t, got, err, tt.want, tt.wantMissing)
		})
	}
}

func assertRequire(t *testing.T, got string, err error, want, wantMissing string) {
	t.Helper()
	if wantMissing == "" {
		if err != nil || got != want {
			t.Errorf("Require = %q, %v; want %q", got, err, want)
		}
		return
	}
	if !errors.Is(err, ErrSecretMissing) || !strings.Contains(err.Error(), wantMissing) {
		t.Errorf("Require error = %v, want ErrSecretMissing naming %s", err, wantMissing)
	}
}

func TestFileSecrets(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "secrets")
	for name, content := range map[string]string{"secrets/API_TOKEN": "t0k\n", "secrets/EMPTY": "", "outside": "escaped"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, secret, want string
		wantOK, wantErr    bool
	}{
		{name: "a file is read without its trailing newline", secret: "API_TOKEN", want: "t0k", wantOK: true},
		{name: "an empty file is present but empty", secret: "EMPTY", wantOK: true},
		{name: "a missing file is not ok", secret: "NOPE"},
		{name: "a parent reference is rejected", secret: "../outside", wantErr: true},
		{name: "a bare double dot is rejected", secret: "..", wantErr: true},
		{name: "a slash is rejected", secret: "sub/API_TOKEN", wantErr: true},
		{name: "an absolute path is rejected", secret: filepath.Join(root, "outside"), wantErr: true},
		{name: "a backslash is rejected", secret: `..\outside`, wantErr: true},
		{name: "an empty name is rejected", secret: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := FileSecrets{Dir: dir}.Get(tt.secret)
			if tt.wantErr {
				if err == nil || got != "" || ok {
					t.Errorf("Get = %q, %v, %v; want an error and nothing read", got, ok, err)
				}
				return
			}
			if err != nil || got != tt.want || ok != tt.wantOK {
				t.Errorf("Get = %q, %v, %v; want %q, %v, nil", got, ok, err, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFileSecretsRequire(t *testing.T) {
	dir := filepath.Dir(writeFile(t, "API_TOKEN", "t0k\r\n"))
	if err := os.WriteFile(filepath.Join(dir, "EMPTY"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, secret, want, wantMissing string
	}{
		{name: "a present secret is returned", secret: "API_TOKEN", want: "t0k"},
		{name: "a missing file is missing", secret: "NOPE", wantMissing: "NOPE"},
		{name: "an empty file is missing", secret: "EMPTY", wantMissing: "EMPTY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FileSecrets{Dir: dir}.Require(tt.secret)
			assertRequire(t, got, err, tt.want, tt.wantMissing)
		})
	}
	if _, err := (FileSecrets{Dir: dir}).Require("../API_TOKEN"); err == nil || errors.Is(err, ErrSecretMissing) {
		t.Errorf("Require of an escaping name = %v, want a name error", err)
	}
}

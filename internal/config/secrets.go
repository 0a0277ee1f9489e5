package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Secrets is a source of named secrets (API credentials, signing keys).
type Secrets interface {
	// Get returns the secret called name. ok is false when it is absent;
	// err reports an I/O problem or a misconfiguration, never the value.
	Get(name string) (value string, ok bool, err error)
	// Require returns the secret called name. An absent or empty secret is
	// an error wrapping ErrSecretMissing and naming the secret.
	Require(name string) (string, error)
}

// ErrSecretMissing is wrapped by Secrets.Require when a secret is absent or empty.
var ErrSecretMissing = errors.New("secret missing")

// EnvSecrets reads secrets from environment variables: secret name is the
// variable Prefix+name, or the file named by Prefix+name+"_FILE" (trailing
// "\n" or "\r\n" trimmed, nothing else). Setting both is an error, as is a
// _FILE that cannot be read; errors name the variable and path, never the
// content. An empty variable counts as absent, because getenv cannot tell
// the two apart. Getenv must not be nil.
type EnvSecrets struct {
	Getenv func(string) string
	Prefix string
}

// Get implements Secrets.
func (s EnvSecrets) Get(name string) (string, bool, error) {
	v, _, ok, err := s.lookup(name)
	return v, ok, err
}

// Require implements Secrets.
func (s EnvSecrets) Require(name string) (string, error) {
	key := s.Prefix + name
	return require(s, name, fmt.Sprintf("%s (set %s or %s_FILE)", key, key, key))
}

// lookup is Get that also reports where the value came from: "env" or "file".
func (s EnvSecrets) lookup(name string) (value, source string, ok bool, err error) {
	key := s.Prefix + name
	fileKey := key + "_FILE"
	v, path := s.Getenv(key), s.Getenv(fileKey)
	switch {
	case v != "" && path != "":
		return "", "", false, fmt.Errorf("%s: both %s and %s are set; set only one", key, key, fileKey)
	case path != "":
		b, err := os.ReadFile(path) // #nosec G304 -- NAME_FILE is chosen by the operator, like the environment itself
		if err != nil {
			return "", "", false, fmt.Errorf("%s: %w", fileKey, err)
		}
		return trimNewline(string(b)), "file", true, nil
	case v != "":
		return v, "env", true, nil
	}
	return "", "", false, nil
}

// FileSecrets reads each secret from its own file, Dir/name (for example
// /run/secrets/SECRET_KEY), trimming one trailing "\n" or "\r\n". A missing
// file means the secret is absent. Names that are empty or contain "/", "\",
// ".." or NUL are rejected with an error, so that a name can never reach a
// file outside Dir.
type FileSecrets struct {
	Dir string
}

// Get implements Secrets.
func (s FileSecrets) Get(name string) (string, bool, error) {
	if err := checkSecretName(name); err != nil {
		return "", false, err
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, name)) // #nosec G304 -- checkSecretName keeps name inside the operator-chosen Dir
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return trimNewline(string(b)), true, nil
}

// Require implements Secrets.
func (s FileSecrets) Require(name string) (string, error) {
	return require(s, name, fmt.Sprintf("%s (file %s)", name, filepath.Join(s.Dir, name)))
}

func checkSecretName(name string) error {
	if name == "" || name == "." || strings.Contains(name, "..") || strings.ContainsAny(name, "/\\\x00") {
		return fmt.Errorf("invalid secret name %q: it must be a plain file name", name)
	}
	return nil
}

// require is the shared body of Require; label names the secret in errors.
func require(s Secrets, name, label string) (string, error) {
	v, ok, err := s.Get(name)
	if err != nil {
		return "", err
	}
	if !ok || v == "" {
		return "", fmt.Errorf("%w: %s", ErrSecretMissing, label)
	}
	return v, nil
}

// trimNewline removes one trailing "\n" or "\r\n", as left by editors and
// `echo`, and nothing else: other whitespace may be part of a secret.
func trimNewline(s string) string {
	if s, ok := strings.CutSuffix(s, "\n"); ok {
		return strings.TrimSuffix(s, "\r")
	}
	return s
}

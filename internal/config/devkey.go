package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// secretKey fills c.SecretKey and c.SecretKeySource. It runs after every
// other variable so that the development key file is only read or created
// when the rest of the configuration is valid.
func (l *loader) secretKey(c *Config) {
	const name = "SECRET_KEY"
	v, source, ok, err := l.secrets.lookup(name)
	switch {
	case err != nil:
		l.problems = append(l.problems, err.Error())
	case ok && len(v) < minSecretKeyLen:
		l.problemf(name, "must be at least %d bytes, got %d", minSecretKeyLen, len(v))
	case ok:
		c.SecretKey, c.SecretKeySource = []byte(v), source
	case c.Env == EnvProduction:
		l.problemf(name, "SECRET_KEY is required in production; set SECRET_KEY or SECRET_KEY_FILE")
	case c.Env != EnvDevelopment && c.Env != EnvTest:
		// APP_ENV is invalid and already reported; do not touch the disk.
	case len(l.problems) == 0:
		l.devSecretKey(c)
	}
}

// previousSecretKey reads SECRET_KEY_PREVIOUS (or its _FILE), the key that
// SECRET_KEY replaced: values encrypted or signed with it stay readable
// while they are moved to the new key. Optional; same length rule.
func (l *loader) previousSecretKey(c *Config) {
	const name = "SECRET_KEY_PREVIOUS"
	v, _, ok, err := l.secrets.lookup(name)
	switch {
	case err != nil:
		l.problems = append(l.problems, err.Error())
	case ok && len(v) < minSecretKeyLen:
		l.problemf(name, "must be at least %d bytes, got %d", minSecretKeyLen, len(v))
	case ok:
		c.SecretKeyPrevious = []byte(v)
	}
}

// devSecretKey uses, or creates, the development key in c.DataDir.
func (l *loader) devSecretKey(c *Config) {
	path := filepath.Join(c.DataDir, DevSecretKeyFile)
	key, created, err := loadOrCreateDevKey(c.DataDir)
	if err != nil {
		l.problemf("SECRET_KEY", "not set, and the development key could not be used: %v", err)
		return
	}
	c.SecretKey, c.SecretKeySource = key, "generated"
	if created {
		l.warnings = append(l.warnings, "SECRET_KEY not set: generated a development key in "+path)
	} else {
		l.warnings = append(l.warnings, "SECRET_KEY not set: using the development key in "+path)
	}
}

// loadOrCreateDevKey returns the key stored in dir/DevSecretKeyFile. When the
// file does not exist it writes 32 random bytes, hex-encoded, there (mode
// 0600, dir created 0700) and returns the hex text as the key. created
// reports whether this call wrote the file.
func loadOrCreateDevKey(dir string) (key []byte, created bool, err error) {
	path := filepath.Join(dir, DevSecretKeyFile)
	key, err = readDevKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, false, err
	}
	err = writeDevKey(dir, path)
	if errors.Is(err, fs.ErrExist) {
		// Another process (server and worker starting together) won the race.
		key, err = readDevKey(path)
		return key, false, err
	}
	if err != nil {
		return nil, false, err
	}
	key, err = readDevKey(path)
	return key, err == nil, err
}

func readDevKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path) // #nosec G304 -- the development key file under the operator-chosen data directory
	if err != nil {
		return nil, err
	}
	key := []byte(trimNewline(string(b)))
	if len(key) < minSecretKeyLen {
		return nil, fmt.Errorf("%s holds fewer than %d bytes; delete it to generate a new key", path, minSecretKeyLen)
	}
	return key, nil
}

// writeDevKey writes a complete key to a temporary file and then links it
// into place, so that a concurrent reader never sees a partial key and an
// existing key is never replaced (the link fails with fs.ErrExist).
func writeDevKey(dir, path string) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+DevSecretKeyFile+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(hex.EncodeToString(raw))
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		return err
	}
	err = os.Link(tmp.Name(), path)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// Some mounts have no hard links; a rename is the next best thing.
		return os.Rename(tmp.Name(), path)
	}
	return err
}

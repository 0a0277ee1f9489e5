package config

import (
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadGeneratesAndReusesDevelopmentKey(t *testing.T) {
	for _, env := range []string{"development", "test"} {
		t.Run(env+" persists a generated key and reuses it", func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			vars := map[string]string{"APP_ENV": env, "APP_DATA_DIR": dir}
			path := filepath.Join(dir, DevSecretKeyFile)

			first := mustLoad(t, vars)
			if first.SecretKeySource != "generated" {
				t.Errorf("SecretKeySource = %q, want generated", first.SecretKeySource)
			}
			if len(first.SecretKey) != 64 {
				t.Errorf("key is %d bytes, want 64 hex characters", len(first.SecretKey))
			}
			if _, err := hex.DecodeString(string(first.SecretKey)); err != nil {
				t.Errorf("key is not hex: %v", err)
			}
			wantWarning := "SECRET_KEY not set: generated a development key in " + path
			if len(first.Warnings) != 1 || first.Warnings[0] != wantWarning {
				t.Errorf("Warnings = %q, want [%q]", first.Warnings, wantWarning)
			}
			assertMode(t, path, 0o600)
			assertMode(t, dir, 0o700|fs.ModeDir)
			stored, err := os.ReadFile(path)
			if err != nil || string(stored) != string(first.SecretKey) {
				t.Errorf("file holds %q (%v), want the key", stored, err)
			}

			second := mustLoad(t, vars)
			if string(second.SecretKey) != string(first.SecretKey) {
				t.Error("a second Load generated a different key")
			}
			if second.SecretKeySource != "generated" || len(second.Warnings) != 1 ||
				!strings.Contains(second.Warnings[0], "using the development key in "+path) {
				t.Errorf("second Load: source %q, warnings %q", second.SecretKeySource, second.Warnings)
			}
		})
	}
}

func assertMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode() != want {
		t.Errorf("%s mode = %v, want %v", path, info.Mode(), want)
	}
}

func TestLoadDevelopmentKeyProblems(t *testing.T) {
	tests := []struct {
		name    string
		vars    map[string]string
		keyFile string // written to the data dir first, when not empty
		want    string
	}{
		{
			name: "production without a key is rejected",
			vars: map[string]string{"APP_ENV": "production"},
			want: "SECRET_KEY: SECRET_KEY is required in production",
		},
		{
			name:    "a short stored development key is rejected",
			vars:    map[string]string{"APP_ENV": "development"},
			keyFile: "short\n",
			want:    "SECRET_KEY: not set, and the development key could not be used",
		},
		{
			name: "an invalid environment reports only itself",
			vars: map[string]string{"APP_ENV": "prod"},
			want: "APP_ENV: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.vars["APP_DATA_DIR"] = dir
			if tt.keyFile != "" {
				if err := os.WriteFile(filepath.Join(dir, DevSecretKeyFile), []byte(tt.keyFile), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			problems := loadProblems(t, tt.vars)
			if len(problems) != 1 || !strings.HasPrefix(problems[0], tt.want) {
				t.Errorf("problems = %q, want one starting %q", problems, tt.want)
			}
			if tt.keyFile == "" {
				assertNoKeyFile(t, dir)
			}
		})
	}
}

func TestLoadLeavesDiskAloneUnlessKeyIsGenerated(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
	}{
		{"a configured key writes no file", map[string]string{"SECRET_KEY": testKey}},
		{"an otherwise invalid config writes no file", map[string]string{"APP_ADDR": "nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.vars["APP_DATA_DIR"] = dir
			_, _ = Load(mapEnv(tt.vars))
			assertNoKeyFile(t, dir)
		})
	}
}

func assertNoKeyFile(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, DevSecretKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("key file exists or cannot be checked: %v", err)
	}
}

func TestDevelopmentKeyGeneratedConcurrentlyIsShared(t *testing.T) {
	dir := t.TempDir()
	keys := make(chan string, 8)
	for range cap(keys) {
		go func() {
			key, _, err := loadOrCreateDevKey(dir)
			if err != nil {
				keys <- "error: " + err.Error()
				return
			}
			keys <- string(key)
		}()
	}
	first := <-keys
	for range cap(keys) - 1 {
		if k := <-keys; k != first {
			t.Fatalf("concurrent loads disagree: %q vs %q", first, k)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only the key file", len(entries))
	}
}

package config

import (
	"strings"
	"testing"
)

func TestLoadReadsEachSecretFromItsFile(t *testing.T) {
	const longKey = "file-key-0123456789abcdef0123456789"
	tests := []struct {
		variable, content, want string
		field                   func(*Config) string
	}{
		{"SECRET_KEY", longKey + "\n", longKey, func(c *Config) string { return string(c.SecretKey) }},
		{"DATABASE_URL", "postgres://app:pw@db/app\r\n", "postgres://app:pw@db/app", func(c *Config) string { return c.DatabaseURL }},
		{"REDIS_URL", "rediss://:pw@cache:6380/0\n", "rediss://:pw@cache:6380/0", func(c *Config) string { return c.RedisURL }},
		{"SMTP_URL", "smtp://u:pw@mail:587", "smtp://u:pw@mail:587", func(c *Config) string { return c.SMTPURL }},
	}
	for _, tt := range tests {
		t.Run(tt.variable+"_FILE is read and its newline trimmed", func(t *testing.T) {
			vars := withKey(map[string]string{tt.variable + "_FILE": writeFile(t, "s", tt.content)})
			if tt.variable == "SECRET_KEY" {
				delete(vars, "SECRET_KEY")
			}
			c := mustLoad(t, vars)
			if got := tt.field(c); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.variable, got, tt.want)
			}
			if tt.variable == "SECRET_KEY" && c.SecretKeySource != "file" {
				t.Errorf("SecretKeySource = %q, want file", c.SecretKeySource)
			}
		})
	}
}

func TestLoadRejectsBadSecretFiles(t *testing.T) {
	for _, variable := range []string{"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_URL"} {
		t.Run("setting both "+variable+" and its _FILE is rejected", func(t *testing.T) {
			vars := withKey(map[string]string{
				variable:           "smtp://u:s3cr3t-value@mail:25",
				variable + "_FILE": writeFile(t, "s", "s3cr3t-file"),
			})
			problems := loadProblems(t, vars)
			want := variable + ": both " + variable + " and " + variable + "_FILE are set"
			if len(problems) != 1 || !strings.HasPrefix(problems[0], want) {
				t.Fatalf("problems = %q, want one starting %q", problems, want)
			}
			if strings.Contains(problems[0], "s3cr3t") {
				t.Errorf("problem %q reveals a secret", problems[0])
			}
		})
		t.Run("an unreadable "+variable+"_FILE is rejected naming the path", func(t *testing.T) {
			dir := t.TempDir()
			vars := withKey(map[string]string{variable + "_FILE": dir})
			if variable == "SECRET_KEY" {
				delete(vars, "SECRET_KEY")
			}
			problems := loadProblems(t, vars)
			if len(problems) != 1 || !strings.HasPrefix(problems[0], variable+"_FILE: ") || !strings.Contains(problems[0], dir) {
				t.Errorf("problems = %q, want one about %s_FILE naming %s", problems, variable, dir)
			}
		})
	}
}

func TestLoadRejectsShortSecretKeyFile(t *testing.T) {
	problems := loadProblems(t, map[string]string{
		"SECRET_KEY_FILE": writeFile(t, "k", "short-s3cr3t\n"),
		"APP_DATA_DIR":    t.TempDir(),
	})
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "SECRET_KEY: must be at least 32 bytes") {
		t.Fatalf("problems = %q, want one about the key length", problems)
	}
	if strings.Contains(problems[0], "s3cr3t") {
		t.Errorf("problem %q reveals the key", problems[0])
	}
}

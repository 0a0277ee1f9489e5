package rampart_test

// These tests verify the container files without Docker: docker-compose.yml is loaded with
// compose-go, the loader Docker Compose itself uses; .env.example is read with compose-go's
// dotenv parser (the one that reads .env); the Dockerfile and .dockerignore are parsed as text.

import (
	"context"
	"encoding/json"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
)

// documentedEnv is every variable Rampart reads (DESIGN.md, Configuration), with the default
// .env.example must show for it. An empty default means "unset": the value is generated or
// derived (SECRET_KEY, WORKER_IN_PROCESS) or the feature is off.
var documentedEnv = map[string]string{
	"APP_ENV":                        "development",
	"APP_ADDR":                       ":8080",
	"APP_BASE_URL":                   "http://localhost:8080",
	"APP_DATA_DIR":                   ".data",
	"APP_SHUTDOWN_TIMEOUT":           "30s",
	"SECRET_KEY":                     "",
	"DATABASE_URL":                   "postgres://postgres@127.0.0.1:5432/rampart?sslmode=disable",
	"REDIS_URL":                      "",
	"SMTP_URL":                       "",
	"MAIL_FROM":                      "Rampart <no-reply@localhost>",
	"TRUSTED_PROXIES":                "",
	"CORS_ALLOWED_ORIGINS":           "",
	"ADMIN_ALLOWED_CIDRS":            "127.0.0.0/8,::1/128",
	"RATE_LIMIT_REQUESTS_PER_MINUTE": "600",
	"RATE_LIMIT_AUTH_PER_MINUTE":     "10",
	"RATE_LIMIT_API_PER_HOUR":        "5000",
	"LOGIN_MAX_FAILURES":             "10",
	"LOGIN_LOCKOUT":                  "15m",
	"JWT_ACCESS_TTL":                 "15m",
	"JWT_REFRESH_TTL":                "168h",
	"WORKER_IN_PROCESS":              "",
}

// secretEnv are the variables that may also be given as NAME_FILE=path.
var secretEnv = []string{"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SMTP_URL"}

// appServices run the image built from the Dockerfile.
var appServices = []string{"migrate", "server", "worker"}

// loadCompose loads docker-compose.yml the way `docker compose` does (working directory,
// environment, env files, project name, then interpolation, normalisation and consistency
// checks), but with env instead of the process environment and only the given env files, so
// that the result does not depend on the machine running the test.
func loadCompose(t *testing.T, env map[string]string, envFiles ...string) *types.Project {
	t.Helper()
	var pairs []string
	for k, v := range env {
		pairs = append(pairs, k+"="+v)
	}
	opts := []cli.ProjectOptionsFn{
		cli.WithWorkingDirectory("."),
		cli.WithEnv(pairs),
	}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	}
	opts = append(opts, cli.WithName("rampart"))
	options, err := cli.NewProjectOptions([]string{"docker-compose.yml"}, opts...)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml does not load: %v", err)
	}
	return project
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %q: %v", name, err)
	}
	return s
}

func TestComposeFileIsTheOneDockerComposeFinds(t *testing.T) {
	options, err := cli.NewProjectOptions(nil, cli.WithWorkingDirectory("."), cli.WithDefaultConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	want, err := filepath.Abs("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(options.ConfigPaths) == 0 || options.ConfigPaths[0] != want {
		t.Errorf("`docker compose` would read %v, want %s first (a compose.yaml would take precedence)", options.ConfigPaths, want)
	}
	raw, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?m)^version:`).Match(raw) {
		t.Error("docker-compose.yml has a top-level version:, obsolete in the Compose spec")
	}
}

func TestComposeServices(t *testing.T) {
	p := loadCompose(t, nil)
	got := p.ServiceNames()
	slices.Sort(got)
	want := []string{"db", "mailpit", "migrate", "redis", "server", "worker"}
	if !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}

	for _, name := range appServices {
		s := service(t, p, name)
		if s.Build == nil {
			t.Errorf("%s: not built from the Dockerfile", name)
			continue
		}
		if s.Build.Context != p.WorkingDir || s.Build.Dockerfile != "Dockerfile" {
			t.Errorf("%s: builds %s from %s, want Dockerfile from %s", name, s.Build.Dockerfile, s.Build.Context, p.WorkingDir)
		}
	}
	for _, name := range []string{"db", "redis", "mailpit"} {
		if s := service(t, p, name); s.Image == "" || s.Build != nil {
			t.Errorf("%s: want a published image and no build, got image %q build %v", name, s.Image, s.Build)
		}
	}
	if img := service(t, p, "db").Image; img != "postgres:17-alpine" {
		t.Errorf("db image = %q, want postgres:17-alpine", img)
	}
	if img := service(t, p, "redis").Image; img != "redis:7-alpine" {
		t.Errorf("redis image = %q, want redis:7-alpine", img)
	}

	tests := []struct {
		name, service     string
		got, want         []string
		restart, wantRest string
	}{
		{"migrate applies migrations and stops", "migrate", service(t, p, "migrate").Command, []string{"migrate", "up"}, service(t, p, "migrate").Restart, "no"},
		{"server serves", "server", service(t, p, "server").Command, []string{"serve"}, "", ""},
		{"worker runs the worker binary", "worker", service(t, p, "worker").Entrypoint, []string{"/app/worker"}, "", ""},
		{"worker gets no arguments, which it refuses", "worker", service(t, p, "worker").Command, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Errorf("%s runs %q, want %q", tt.service, tt.got, tt.want)
			}
			if tt.restart != tt.wantRest {
				t.Errorf("%s restart = %q, want %q", tt.service, tt.restart, tt.wantRest)
			}
		})
	}
}

func TestComposeHealthchecks(t *testing.T) {
	p := loadCompose(t, nil)
	for _, name := range []string{"db", "redis", "mailpit", "server"} {
		t.Run(name+" has a healthcheck", func(t *testing.T) {
			hc := service(t, p, name).HealthCheck
			if hc == nil || hc.Disable {
				t.Fatalf("%s: no healthcheck", name)
			}
			if len(hc.Test) < 2 || (hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL") || strings.TrimSpace(hc.Test[1]) == "" {
				t.Fatalf("%s: healthcheck test %q runs no command", name, hc.Test)
			}
		})
	}
	for _, name := range appServices {
		if hc := service(t, p, name).HealthCheck; hc != nil && !hc.Disable && (len(hc.Test) == 0 || hc.Test[0] != "CMD") {
			t.Errorf("%s: healthcheck %q needs a shell, which the distroless image lacks", name, hc.Test)
		}
	}
	if got, want := service(t, p, "server").HealthCheck.Test, []string{"CMD", "/app/server", "healthcheck"}; !slices.Equal(got, want) {
		t.Errorf("server healthcheck = %q, want %q", got, want)
	}
	db := service(t, p, "db")
	if test := strings.Join(db.HealthCheck.Test, " "); !strings.Contains(test, "pg_isready") || !strings.Contains(test, "-d "+deref(db.Environment["POSTGRES_DB"])) {
		t.Errorf("db healthcheck %q does not ask pg_isready about database %s", test, deref(db.Environment["POSTGRES_DB"]))
	}
	if test := strings.Join(service(t, p, "redis").HealthCheck.Test, " "); !strings.Contains(test, "redis-cli ping") {
		t.Errorf("redis healthcheck %q does not ping", test)
	}
}

func TestComposeDependencies(t *testing.T) {
	p := loadCompose(t, nil)
	tests := []struct {
		service, dependsOn, condition string
	}{
		{"migrate", "db", types.ServiceConditionHealthy},
		{"server", "migrate", types.ServiceConditionCompletedSuccessfully},
		{"server", "db", types.ServiceConditionHealthy},
		{"server", "redis", types.ServiceConditionHealthy},
		{"worker", "migrate", types.ServiceConditionCompletedSuccessfully},
	}
	for _, tt := range tests {
		t.Run(tt.service+" waits for "+tt.dependsOn, func(t *testing.T) {
			dep, ok := service(t, p, tt.service).DependsOn[tt.dependsOn]
			if !ok {
				t.Fatalf("%s does not depend on %s", tt.service, tt.dependsOn)
			}
			if dep.Condition != tt.condition {
				t.Errorf("%s -> %s condition = %q, want %q", tt.service, tt.dependsOn, dep.Condition, tt.condition)
			}
			if !dep.Required {
				t.Errorf("%s -> %s is optional", tt.service, tt.dependsOn)
			}
		})
	}
	for _, s := range p.Services {
		for name, dep := range s.DependsOn {
			if dep.Condition == types.ServiceConditionHealthy {
				if hc := service(t, p, name).HealthCheck; hc == nil || hc.Disable {
					t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", s.Name, name, name)
				}
			}
		}
	}

	t.Run("db and redis start on their own", func(t *testing.T) {
		for _, name := range []string{"db", "redis"} {
			if deps := service(t, p, name).DependsOn; len(deps) > 0 {
				t.Errorf("%s depends on %v", name, slices.Collect(maps.Keys(deps)))
			}
		}
		sub, err := p.WithSelectedServices([]string{"db", "redis"})
		if err != nil {
			t.Fatal(err)
		}
		got := sub.ServiceNames()
		slices.Sort(got)
		if !slices.Equal(got, []string{"db", "redis"}) {
			t.Errorf("`docker compose up db redis` would start %v", got)
		}
	})
}

func TestComposePorts(t *testing.T) {
	p := loadCompose(t, nil)
	want := map[string][]string{
		"db":      {"127.0.0.1:5432->5432"},
		"redis":   {"127.0.0.1:6379->6379"},
		"mailpit": {"127.0.0.1:1025->1025", "127.0.0.1:8025->8025"},
		// Loopback too: this dev stack has a public SECRET_KEY and the dev mailbox, which
		// shows login and reset links, so it must not be reachable from the network.
		"server": {"127.0.0.1:8080->8080"},
	}
	for _, s := range p.Services {
		var got []string
		for _, port := range s.Ports {
			got = append(got, port.HostIP+":"+port.Published+"->"+strconv.FormatUint(uint64(port.Target), 10))
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s:%d on every interface", s.Name, port.Published, port.Target)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want[s.Name]) {
			t.Errorf("%s ports = %v, want %v", s.Name, got, want[s.Name])
		}
	}
}

func TestComposeVolumesAreNamed(t *testing.T) {
	p := loadCompose(t, nil)
	for _, name := range []string{"db", "redis", "server"} {
		vols := service(t, p, name).Volumes
		if len(vols) == 0 {
			t.Errorf("%s: no volume", name)
		}
		for _, v := range vols {
			if v.Type != types.VolumeTypeVolume {
				t.Errorf("%s: %s is a %s, want a named volume", name, v.Target, v.Type)
			} else if _, ok := p.Volumes[v.Source]; !ok {
				t.Errorf("%s: volume %q is not declared", name, v.Source)
			}
		}
	}
	if vols := service(t, p, "db").Volumes; len(vols) > 0 && vols[0].Target != "/var/lib/postgresql/data" {
		t.Errorf("db volume is mounted at %s, not PostgreSQL 17's data directory", vols[0].Target)
	}
}

func TestComposeAppEnvironment(t *testing.T) {
	const shellKey = "0123456789abcdef0123456789abcdef-from-the-shell"
	tests := []struct {
		name          string
		env           map[string]string
		envFiles      []string
		wantSecretKey string // empty: the dev-only default
	}{
		{"without .env", nil, nil, ""},
		{"with .env copied from .env.example", nil, []string{".env.example"}, ""},
		{"host values in the shell do not leak into containers", map[string]string{
			"DATABASE_URL": documentedEnv["DATABASE_URL"], "REDIS_URL": "redis://127.0.0.1:6379/0",
			"APP_ENV": "production", "SMTP_URL": "smtp://127.0.0.1:1025",
		}, nil, ""},
		{"SECRET_KEY from the shell is used", map[string]string{"SECRET_KEY": shellKey}, nil, shellKey},
	}
	documented := envExample(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := loadCompose(t, tt.env, tt.envFiles...)
			first := service(t, p, appServices[0]).Environment
			for _, name := range appServices {
				env := service(t, p, name).Environment
				checkAppEnv(t, name, env, documented, tt.wantSecretKey)
				if !maps.EqualFunc(env, first, func(a, b *string) bool { return deref(a) == deref(b) }) {
					t.Errorf("%s and %s have different environments; share one", name, appServices[0])
				}
			}
		})
	}
}

// checkAppEnv checks the environment compose gives an app service: only variables that
// .env.example documents (or NAME_FILE for a secret), pointing at the compose services.
func checkAppEnv(t *testing.T, name string, env types.MappingWithEquals, documented map[string]string, wantSecretKey string) {
	t.Helper()
	for k, v := range env {
		base, _ := strings.CutSuffix(k, "_FILE")
		if _, ok := documented[k]; !ok && (base == k || !slices.Contains(secretEnv, base)) {
			t.Errorf("%s: %s is not documented in .env.example", name, k)
		}
		if v == nil {
			t.Errorf("%s: %s has no value and would be taken from the host", name, k)
		}
	}
	wantHost := map[string]string{"DATABASE_URL": "db:5432", "REDIS_URL": "redis:6379", "SMTP_URL": "mailpit:1025"}
	for k, host := range wantHost {
		u, err := url.Parse(deref(env[k]))
		if err != nil || u.Host != host {
			t.Errorf("%s: %s = %q, want a URL to %s", name, k, deref(env[k]), host)
		}
	}
	if got := deref(env["APP_ENV"]); got != "development" {
		t.Errorf("%s: APP_ENV = %q, want development", name, got)
	}
	if got := deref(env["WORKER_IN_PROCESS"]); got != "false" {
		t.Errorf("%s: WORKER_IN_PROCESS = %q, want false: the worker service runs the jobs", name, got)
	}
	key := deref(env["SECRET_KEY"])
	switch {
	case wantSecretKey != "" && key != wantSecretKey:
		t.Errorf("%s: SECRET_KEY = %q, want the one from the shell", name, key)
	case wantSecretKey == "" && !strings.HasPrefix(key, "dev-only-"):
		t.Errorf("%s: default SECRET_KEY %q is not marked dev-only", name, key)
	case wantSecretKey == "" && (len(key) < 32 || len(key) >= 48):
		// Under 48 bytes with "dev" in it, `check --deploy` flags the key as weak (E004).
		t.Errorf("%s: default SECRET_KEY is %d bytes, want 32 to 47", name, len(key))
	}
}

// envExample reads .env.example with the parser docker compose uses for .env files.
func envExample(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	vars, err := dotenv.ParseWithLookup(f, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf(".env.example is not a valid .env file for docker compose: %v", err)
	}
	return vars
}

func TestEnvExample(t *testing.T) {
	got := envExample(t)
	for k, v := range got {
		def, ok := documentedEnv[k]
		switch {
		case !ok:
			t.Errorf(".env.example sets %s, which Rampart does not read", k)
		case v != def:
			t.Errorf(".env.example: %s=%q, want the default %q", k, v, def)
		}
	}
	for k := range documentedEnv {
		if _, ok := got[k]; !ok {
			t.Errorf(".env.example does not list %s", k)
		}
	}
	raw, err := os.ReadFile(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range secretEnv {
		if !strings.Contains(string(raw), name) {
			t.Errorf(".env.example does not mention %s", name)
		}
	}
	if !strings.Contains(string(raw), "_FILE") {
		t.Error(".env.example does not explain NAME_FILE secrets")
	}
}

// dockerInstruction is one Dockerfile instruction, continuation lines joined.
type dockerInstruction struct {
	Cmd  string // upper case: FROM, RUN, ...
	Args string
}

// parseDockerfile splits a Dockerfile into instructions, dropping comments and parser
// directives and joining lines continued with a backslash.
func parseDockerfile(t *testing.T, path string) []dockerInstruction {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []dockerInstruction
	var cur strings.Builder
	for line := range strings.SplitSeq(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if body, ok := strings.CutSuffix(trimmed, "\\"); ok {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		out = append(out, dockerInstruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("%s ends inside a continued line", path)
	}
	return out
}

// dockerStages groups instructions by FROM; instructions before the first FROM (global
// ARGs) are returned separately.
func dockerStages(ins []dockerInstruction) (global []dockerInstruction, stages [][]dockerInstruction) {
	for _, in := range ins {
		switch {
		case in.Cmd == "FROM":
			stages = append(stages, []dockerInstruction{in})
		case len(stages) == 0:
			global = append(global, in)
		default:
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	return global, stages
}

// envPairs reads the KEY=value pairs of an ENV or ARG instruction.
func envPairs(args string) map[string]string {
	out := map[string]string{}
	fields := strings.Fields(args)
	if len(fields) > 0 && !strings.Contains(fields[0], "=") && len(fields) > 1 {
		return map[string]string{fields[0]: strings.Join(fields[1:], " ")} // legacy "ENV KEY value"
	}
	for _, f := range fields {
		k, v, _ := strings.Cut(f, "=")
		out[k] = strings.Trim(v, `"'`)
	}
	return out
}

func indexOf(stage []dockerInstruction, match func(dockerInstruction) bool) int {
	return slices.IndexFunc(stage, match)
}

func TestDockerfile(t *testing.T) {
	global, stages := dockerStages(parseDockerfile(t, "Dockerfile"))
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a build stage and a runtime stage", len(stages))
	}
	build, final := stages[0], stages[len(stages)-1]

	t.Run("Go version can be bumped with a build arg", func(t *testing.T) {
		i := indexOf(global, func(in dockerInstruction) bool { return in.Cmd == "ARG" && strings.HasPrefix(in.Args, "GO_VERSION=") })
		if i < 0 {
			t.Fatal("no ARG GO_VERSION=... before the first FROM")
		}
		if from := build[0].Args; !strings.HasPrefix(from, "golang:${GO_VERSION}-bookworm ") || !strings.HasSuffix(from, " AS build") {
			t.Errorf("build stage is FROM %s, want golang:${GO_VERSION}-bookworm AS build", from)
		}
	})

	t.Run("modules are downloaded in a layer of their own", func(t *testing.T) {
		mods := indexOf(build, func(in dockerInstruction) bool { return in.Cmd == "COPY" && in.Args == "go.mod go.sum ./" })
		dl := indexOf(build, func(in dockerInstruction) bool {
			return in.Cmd == "RUN" && strings.Contains(in.Args, "go mod download")
		})
		src := indexOf(build, func(in dockerInstruction) bool { return in.Cmd == "COPY" && strings.HasPrefix(in.Args, ". ") })
		if mods < 0 || dl < 0 || src < 0 || !(mods < dl && dl < src) {
			t.Errorf("want COPY go.mod go.sum, RUN go mod download, then COPY . (got positions %d, %d, %d)", mods, dl, src)
		}
	})

	t.Run("binaries are built static and stripped from ./cmd/...", func(t *testing.T) {
		i := indexOf(build, func(in dockerInstruction) bool { return in.Cmd == "RUN" && strings.Contains(in.Args, "go build") })
		if i < 0 {
			t.Fatal("build stage never runs go build")
		}
		for _, want := range []string{"CGO_ENABLED=0 go build", "-trimpath", `-ldflags="-s -w"`, "-o /out/", "./cmd/..."} {
			if !strings.Contains(build[i].Args, want) {
				t.Errorf("go build command %q lacks %s", build[i].Args, want)
			}
		}
	})

	t.Run("runtime is distroless and runs as nonroot", func(t *testing.T) {
		if from := final[0].Args; from != "gcr.io/distroless/static-debian12:nonroot" {
			t.Errorf("final stage is FROM %s, want gcr.io/distroless/static-debian12:nonroot", from)
		}
		users := slices.DeleteFunc(slices.Clone(final), func(in dockerInstruction) bool { return in.Cmd != "USER" })
		if len(users) == 0 || !strings.HasPrefix(users[len(users)-1].Args, "nonroot") {
			t.Errorf("final stage USER instructions %v, want the last to be nonroot", users)
		}
		if i := indexOf(final, func(in dockerInstruction) bool { return in.Cmd == "RUN" }); i >= 0 {
			t.Errorf("final stage runs %q, but distroless has no shell", final[i].Args)
		}
	})

	t.Run("runtime ships both binaries and starts the server", func(t *testing.T) {
		i := indexOf(final, func(in dockerInstruction) bool {
			return in.Cmd == "COPY" && strings.HasPrefix(in.Args, "--from=build ")
		})
		if i < 0 || !strings.Contains(final[i].Args, "/out/server") || !strings.Contains(final[i].Args, "/out/worker") || !strings.HasSuffix(final[i].Args, " /app/") {
			t.Errorf("want COPY --from=build /out/server /out/worker /app/")
		}
		exec := map[string][]string{"ENTRYPOINT": {"/app/server"}, "CMD": {"serve"}}
		for cmd, want := range exec {
			j := indexOf(final, func(in dockerInstruction) bool { return in.Cmd == cmd })
			var got []string
			if j < 0 || json.Unmarshal([]byte(final[j].Args), &got) != nil || !slices.Equal(got, want) {
				t.Errorf("want %s %q in exec form", cmd, want)
			}
		}
		if j := indexOf(final, func(in dockerInstruction) bool { return in.Cmd == "EXPOSE" }); j < 0 || final[j].Args != "8080" {
			t.Error("want EXPOSE 8080")
		}
	})

	t.Run("image environment is production and holds no secrets", func(t *testing.T) {
		env := map[string]string{}
		for i, stage := range append([][]dockerInstruction{global}, stages...) {
			for _, in := range stage {
				if in.Cmd != "ENV" && in.Cmd != "ARG" {
					continue
				}
				for k, v := range envPairs(in.Args) {
					if secretName.MatchString(k) || urlWithPassword.MatchString(v) {
						t.Errorf("%s %s=... bakes a secret into the image", in.Cmd, k)
					}
					if in.Cmd == "ENV" && i == len(stages) {
						env[k] = v
					}
				}
			}
		}
		for k := range env {
			if _, ok := documentedEnv[k]; !ok {
				t.Errorf("ENV %s is not a documented variable", k)
			}
		}
		if env["APP_ENV"] != "production" || env["APP_ADDR"] != ":8080" {
			t.Errorf("final stage ENV APP_ENV=%q APP_ADDR=%q, want production and :8080", env["APP_ENV"], env["APP_ADDR"])
		}
	})
}

// secretName matches variable names that hold credentials; urlWithPassword matches a URL
// carrying user:password.
var (
	secretName      = regexp.MustCompile(`(?i)secret|passw|token|_key$|^key$|credential|database_url|redis_url|smtp_url`)
	urlWithPassword = regexp.MustCompile(`://[^/@\s]*:[^/@\s]*@`)
)

func TestDockerignore(t *testing.T) {
	rules := readDockerignore(t, ".dockerignore")
	excluded := []string{
		".git/HEAD", ".env", ".env.production", ".data/secret_key", "tmp/server.log", "bin/server", "server", "worker",
		"test-artifacts/report.json",
		"coverage.out", "internal/auth/auth.test", "cpu.prof", "docs/login-screenshot.png",
		"node_modules/pkg/index.js", "web/node_modules/pkg/index.js", "internal/webhook/testdata/fuzz/FuzzVerify/1a2b",
	}
	for _, p := range excluded {
		if !rules.excludes(p) {
			t.Errorf(".dockerignore keeps %s in the build context", p)
		}
	}
	kept := []string{
		"go.mod", "go.sum", "cmd/server/main.go", "cmd/worker/main.go", "migrations/00001_users.sql",
		"web/static/img/logo.png", "web/static/vendor/LICENSE-pico.txt", "views/layout/app_templ.go",
	}
	for _, p := range kept {
		if rules.excludes(p) {
			t.Errorf(".dockerignore drops %s, which the build needs", p)
		}
	}

	// Every source and embedded file in this tree must reach the builder.
	sourceDirs := []string{"cmd/", "internal/", "migrations/", "views/", "web/", "sql/"}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		path = filepath.ToSlash(path)
		if d.IsDir() {
			if path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		inSource := slices.ContainsFunc(sourceDirs, func(dir string) bool { return strings.HasPrefix(path, dir) })
		needed := path == "go.mod" || path == "go.sum" ||
			(inSource && !strings.HasSuffix(path, "_test.go") && !strings.Contains(path, "/testdata/"))
		if needed && rules.excludes(path) {
			t.Errorf(".dockerignore drops %s, which the build needs", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ignoreRule is one .dockerignore line: a pattern, or an exception to earlier ones ("!").
type ignoreRule struct {
	re     *regexp.Regexp
	negate bool
}

type ignoreRules []ignoreRule

// readDockerignore reads .dockerignore with Docker's rules: patterns are relative to the
// context root, "*" and "?" stay within a path element, "**" spans any number of them, a
// pattern that matches a directory excludes everything inside it, and the last matching
// line wins.
func readDockerignore(t *testing.T, path string) ignoreRules {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rules ignoreRules
	for line := range strings.SplitSeq(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		negate := strings.HasPrefix(line, "!")
		pattern := filepath.ToSlash(filepath.Clean(strings.TrimPrefix(strings.TrimPrefix(line, "!"), "/")))
		if strings.ContainsAny(pattern, `[\`) {
			t.Fatalf(".dockerignore pattern %q uses syntax this test does not model; extend readDockerignore", line)
		}
		rules = append(rules, ignoreRule{re: ignorePatternRegexp(pattern), negate: negate})
	}
	return rules
}

func ignorePatternRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case strings.HasPrefix(pattern[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(pattern[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// excludes reports whether path (slash-separated, relative to the context) is left out.
func (rules ignoreRules) excludes(path string) bool {
	excluded := false
	for _, r := range rules {
		for p := path; p != "." && p != "/"; p = filepath.ToSlash(filepath.Dir(p)) {
			if r.re.MatchString(p) {
				excluded = !r.negate
				break
			}
		}
	}
	return excluded
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

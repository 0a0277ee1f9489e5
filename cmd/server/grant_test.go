package main

import (
	"strings"
	"testing"
)

func TestGrantAndRevoke(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t)
	if _, _, err := runCmd(t, env, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, env, "correct horse battery staple\n", "createuser", "--email", "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args    []string
		want    string // in stdout, or in the error when fails
		fails   bool
		holds   string // `perms --email` output afterwards
		inGroup string
	}{
		{args: []string{"grant", "--email", "ada@example.com", "admin.access"}, want: "admin.access granted to ada@example.com", holds: "permissions: admin.access"},
		{args: []string{"grant", "--group", "ops", "admin.access"}, want: "admin.access granted to group ops", holds: "permissions: admin.access"},
		{args: []string{"revoke", "--email", "ada@example.com", "admin.access"}, want: "admin.access revoked from ada@example.com", holds: "permissions: \n"},
		{args: []string{"grant", "--group", "ops", "--email", "ada@example.com"}, want: "ada@example.com is in ops", holds: "permissions: admin.access", inGroup: "groups: ops"},
		{args: []string{"revoke", "--group", "ops", "admin.access"}, want: "admin.access revoked from group ops", holds: "permissions: \n", inGroup: "groups: ops"},
		{args: []string{"revoke", "--group", "ops", "--email", "ada@example.com"}, want: "ada@example.com removed from ops", holds: "permissions: \n", inGroup: "groups: \n"},
		{args: []string{"grant", "--email", "ada@example.com", "admin.acess"}, want: "unknown permission", fails: true},
		{args: []string{"grant", "--email", "bob@example.com", "admin.access"}, want: "unknown user", fails: true},
		{args: []string{"grant", "--group", "Ops Team", "admin.access"}, want: "group names", fails: true},
		{args: []string{"grant", "admin.access"}, want: "give --email or --group", fails: true},
		{args: []string{"grant", "--email", "ada@example.com"}, want: "name at least one permission", fails: true},
		{args: []string{"grant", "--email", "ada@example.com", "--group", "ops", "admin.access"}, want: "not both", fails: true},
	}
	for _, st := range steps {
		out, _, err := runCmd(t, env, "", st.args...)
		if st.fails {
			if err == nil || !strings.Contains(err.Error(), st.want) {
				t.Errorf("%v = %v, want an error containing %q", st.args, err, st.want)
			}
			continue
		}
		if err != nil || !strings.Contains(out, st.want) {
			t.Fatalf("%v = %q, %v; want %q", st.args, out, err, st.want)
		}
		got, _, err := runCmd(t, env, "", "perms", "--email", "ada@example.com")
		if err != nil || !strings.Contains(got, st.holds) || (st.inGroup != "" && !strings.Contains(got, st.inGroup)) {
			t.Errorf("after %v, perms = %q (%v); want %q %q", st.args, got, err, st.holds, st.inGroup)
		}
	}
	out, _, err := runCmd(t, env, "", "perms")
	if err != nil || !strings.HasPrefix(out, "ops\t0 members\t") {
		t.Errorf("perms = %q, %v; want the ops group with no members", out, err)
	}
}

#!/usr/bin/env bash
# Fails when committed generated code (templ, sqlc) is stale.
#
# templ is quick to build, so its output is always regenerated and compared.
# sqlc takes minutes to compile the first time, so it is run only when it is
# already built, or when its inputs (sqlc.yaml, migrations/, sql/queries/) no
# longer match the checksum recorded in sql/sqlc.sum by `make generate`.
set -euo pipefail
cd "$(dirname "$0")/.."

snapshot() { find "$@" -type f -name '*.go' -print0 2>/dev/null | sort -z | xargs -0 -r sha256sum; }
stale=0

before=$(snapshot views)
go tool templ generate -log-level error
if [ "$before" != "$(snapshot views)" ]; then
	echo "check-generated: templ output was stale; regenerated it. Commit the *_templ.go changes." >&2
	stale=1
fi

inputs_sum() { cat sqlc.yaml migrations/*.sql sql/queries/*.sql | sha256sum | cut -d' ' -f1; }
recorded=$(cat sql/sqlc.sum 2>/dev/null || true)
# `go tool -n` builds a missing tool before printing its path; a built one
# answers at once, so a short timeout tells the two apart.
sqlc_bin=$(timeout 20 go tool -n sqlc 2>/dev/null || true)
if [ "$(inputs_sum)" != "$recorded" ] || { [ -n "$sqlc_bin" ] && [ -x "$sqlc_bin" ]; }; then
	[ "$(inputs_sum)" != "$recorded" ] && echo "check-generated: sqlc inputs changed; running sqlc (the first build takes a few minutes)" >&2
	before=$(snapshot internal/db -maxdepth 1)
	go tool sqlc generate
	if [ "$before" != "$(snapshot internal/db -maxdepth 1)" ]; then
		echo "check-generated: sqlc output was stale; regenerated it. Commit the internal/db changes." >&2
		stale=1
	fi
	if [ "$(inputs_sum)" != "$recorded" ]; then
		echo "check-generated: sql/sqlc.sum does not match the sqlc inputs; run \`make generate\` and commit." >&2
		stale=1
	fi
else
	echo "check-generated: sqlc inputs unchanged and sqlc not built; skipping the sqlc check" >&2
fi
exit $stale

#!/usr/bin/env bash
# Runs every fuzz target of the module for a while each:
#
#   scripts/fuzz.sh [FUZZTIME] [PACKAGE...]     (defaults: 3s, ./...)
#
# Nothing lists the targets: each package whose test files declare a Fuzz
# function is built once with fuzzing instrumentation (`go test -c -fuzz`), and
# its test binary names its targets (-test.list '^Fuzz', what `go test -list`
# runs), so a new FuzzXxx is fuzzed as soon as it exists. Running that binary
# per target, in the package directory with go test's own corpus cache
# ($GOCACHE/fuzz/PACKAGE), is `go test -fuzz` without a rebuild per target.
#
# The first failure stops the script. The crashing input is then saved under
# the package's testdata/fuzz/FuzzXxx/: commit it, and every `go test` replays
# it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${1:-3s}
shift || true
[ $# -gt 0 ] || set -- ./...

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=$(go env GOCACHE)/fuzz

packages=$(go list -f '{{.ImportPath}} {{.Dir}}' "$@")
count=0
start_all=$SECONDS
while read -r pkg dir; do
	grep -qs '^func Fuzz' "$dir"/*_test.go || continue
	bin="$work/$(basename "$dir").test"
	go test -c -fuzz '^Fuzz' -o "$bin" "$pkg"
	targets=$(cd "$dir" && "$bin" -test.list '^Fuzz' | { grep '^Fuzz' || true; })
	for name in $targets; do
		start=$SECONDS
		for try in 1 2; do
			if out=$(cd "$dir" && "$bin" -test.run '^$' -test.fuzz "^${name}\$" -test.fuzztime "$fuzztime" \
				-test.fuzzcachedir "$cache/$pkg" -test.timeout 10m -test.paniconexit0 2>&1); then
				break
			fi
			if grep -q 'Failing input written' <<<"$out"; then
				echo "$out"
				echo "fuzz: FAIL $pkg $name (the failing input is saved under ${dir#"$PWD"/}/testdata/fuzz/$name/)" >&2
				exit 1
			fi
			# A failure without a failing input is the fuzzing engine itself
			# (its time limit racing a busy worker: "context deadline
			# exceeded"), not a finding: try once more, then only warn.
			if [ "$try" = 2 ]; then
				echo "$out" | tail -3
				echo "fuzz: WARN $pkg $name ended twice without a failing input; not a finding" >&2
			fi
		done
		printf 'fuzz: ok   %-70s %3ds\n' "$pkg $name" $((SECONDS - start))
		count=$((count + 1))
	done
done <<<"$packages"
echo "fuzz: $count targets, $fuzztime each, in $((SECONDS - start_all))s"

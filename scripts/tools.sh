#!/usr/bin/env bash
# Prints the path of a pinned gate tool, building it on first use:
#
#   scripts/tools.sh staticcheck|gosec|govulncheck   the tool's binary
#   scripts/tools.sh vulndb                          an offline Go vulnerability database (a directory)
#
# Everything lands in a cache outside the repository, keyed by version, so the
# gates cost a build only the first time: RAMPART_TOOLS_DIR, by default
# rampart-tools next to the Go build cache (~/.cache/rampart-tools). Binaries
# are also keyed by the Go release that builds them (analysers must understand
# the language of the code they read). Delete the directory to start over.
#
# The vulnerability database is built from the golang.org/x/vulndb module,
# which the Go module proxy serves, because the online database (vuln.go.dev)
# may be unreachable: its data/osv/*.json advisories are indexed by vulndb's own
# cmd/indexdb into the v1 layout that `govulncheck -db file:///DIR` reads
# (index/db.json, index/modules.json, index/vulns.json, ID/GO-YYYY-NNNN.json).
# VULNDB_VERSION=latest asks the proxy for the newest one.
#
# Builds run outside the repository, so go.mod and go.sum are never touched.
# Progress goes to stderr; stdout carries only the path.
set -euo pipefail

STATICCHECK_VERSION=v0.8.2
GOSEC_VERSION=v2.30.0
GOVULNCHECK_VERSION=v1.9.0
# Bump with: go list -m -f '{{.Version}}' golang.org/x/vulndb@latest
VULNDB_VERSION=${VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}

export GOTOOLCHAIN=local GOWORK=off
dir=${RAMPART_TOOLS_DIR:-$(dirname "$(go env GOCACHE)")/rampart-tools}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
gover=$(go env GOVERSION)
# Outside any module, so `go install pkg@version` and `go mod download` leave
# the repository's go.mod and go.sum alone.
cd "${TMPDIR:-/tmp}"

# tool PKG VERSION prints the binary of PKG@VERSION, building it if needed.
# It builds into a temporary directory and renames, so concurrent runs are safe.
tool() {
	local pkg=$1 version=$2 name
	name=$(basename "$pkg")
	local bin="$dir/$gover/$name@$version/$name"
	if [ ! -x "$bin" ]; then
		echo "tools: building $name $version with $gover (once; cached in $dir)" >&2
		local tmp
		tmp=$(mktemp -d "$dir/.build.XXXXXX")
		GOBIN="$tmp" go install "$pkg@$version" >&2 || { rm -rf "$tmp"; exit 1; }
		mkdir -p "$(dirname "$bin")"
		mv -f "$tmp/$name" "$bin"
		rm -rf "$tmp"
	fi
	echo "$bin"
}

vulndb() {
	local version=$VULNDB_VERSION
	if [ "$version" = latest ]; then
		version=$(go list -m -f '{{.Version}}' golang.org/x/vulndb@latest)
	fi
	local db="$dir/vulndb/$version"
	if [ ! -f "$db/index/db.json" ]; then
		echo "tools: building the offline vulnerability database from golang.org/x/vulndb $version (once)" >&2
		local src indexdb tmp
		go mod download "golang.org/x/vulndb@$version"
		src=$(go list -m -f '{{.Dir}}' "golang.org/x/vulndb@$version")
		[ -d "$src/data/osv" ] || { echo "tools: golang.org/x/vulndb@$version has no data/osv" >&2; exit 1; }
		indexdb=$(tool golang.org/x/vulndb/cmd/indexdb "$version")
		mkdir -p "$dir/vulndb"
		tmp=$(mktemp -d "$dir/vulndb/.build.XXXXXX")
		"$indexdb" -vulns "$src/data/osv" -out "$tmp" || { rm -rf "$tmp"; exit 1; }
		[ -f "$tmp/index/db.json" ] && [ -f "$tmp/index/modules.json" ] && [ -f "$tmp/index/vulns.json" ] || {
			echo "tools: indexdb wrote no v1 index" >&2
			rm -rf "$tmp"
			exit 1
		}
		rm -rf "$db"
		mv "$tmp" "$db"
		echo "tools: $(find "$db/ID" -name '*.json' | wc -l) advisories in $db" >&2
	fi
	echo "$db"
}

case "${1:-}" in
staticcheck) tool honnef.co/go/tools/cmd/staticcheck "$STATICCHECK_VERSION" ;;
gosec) tool github.com/securego/gosec/v2/cmd/gosec "$GOSEC_VERSION" ;;
govulncheck) tool golang.org/x/vuln/cmd/govulncheck "$GOVULNCHECK_VERSION" ;;
vulndb) vulndb ;;
*)
	echo "usage: scripts/tools.sh staticcheck|gosec|govulncheck|vulndb" >&2
	exit 2
	;;
esac

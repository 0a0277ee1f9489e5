#!/usr/bin/env bash
# Load test of the middleware stacks over real HTTP on loopback: bare Echo,
# Echo's built-in middleware, Rampart's stack (memory limiter) and Rampart's
# stack with the Redis limiter, served side by side by one process
# (bench/stackserver). Each variant is loaded in turn for ROUNDS rounds of
# DURATION with CONNS connections; the median req/s and its ratio to bare
# Echo are printed as a Markdown table.
#
#   bench/run.sh                     # wrk if installed, else bench/load
#   DURATION=3s ROUNDS=9 CONNS=64 BENCH_REDIS_URL=redis://127.0.0.1:6379/15 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-3s}
ROUNDS=${ROUNDS:-9}
CONNS=${CONNS:-64}
export BENCH_REDIS_URL=${BENCH_REDIS_URL-redis://127.0.0.1:6379/15}

tmp=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/stackserver" ./bench/stackserver
if command -v wrk >/dev/null 2>&1; then
	loader="wrk"
else
	go build -o "$tmp/load" ./bench/load
	loader="bench/load"
fi

"$tmp/stackserver" >"$tmp/addrs" &
server_pid=$!
for _ in $(seq 1 100); do grep -q '^ready$' "$tmp/addrs" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready$' "$tmp/addrs" || { echo "stackserver did not start" >&2; exit 1; }

load() { # url -> req/s
	if [ "$loader" = wrk ]; then
		wrk -t2 -c"$CONNS" -d"$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'
	else
		"$tmp/load" -c "$CONNS" -d "$DURATION" "$1" | awk '/Requests\/sec/ {print $2}'
	fi
}

mapfile -t variants < <(grep -v '^ready$' "$tmp/addrs")
# Warm up every variant once, then interleave rounds so drift hits all alike.
for v in "${variants[@]}"; do load "http://${v#* }/hello" >/dev/null; done
for r in $(seq 1 "$ROUNDS"); do
	for v in "${variants[@]}"; do
		echo "${v%% *} $(load "http://${v#* }/hello")" >>"$tmp/results"
	done
done

echo "load: $loader, $CONNS connections, $ROUNDS x $DURATION per variant, $(nproc) CPUs, $(go env GOVERSION)"
echo
# A round loads every variant once, back to back; the ratio to bare Echo is
# taken within each round and its median reported, so that the host's drift
# (this is a shared virtual machine) cancels out instead of skewing a ratio
# of medians taken minutes apart.
echo "| stack | req/s (median) | vs bare Echo (median of per-round ratios) |"
echo "|---|---:|---:|"
awk '
	function median(arr, m,    a, b, t) {
		for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (arr[b] < arr[a]) { t = arr[a]; arr[a] = arr[b]; arr[b] = t }
		return (m % 2) ? arr[(m + 1) / 2] : (arr[m / 2] + arr[m / 2 + 1]) / 2
	}
	{ n[$1]++; v[$1, n[$1]] = $2; if (!($1 in order)) { order[$1] = ++k; names[k] = $1 } }
	END {
		for (i = 1; i <= k; i++) {
			name = names[i]; m = n[name]
			delete s; delete r
			for (a = 1; a <= m; a++) { s[a] = v[name, a]; r[a] = v[name, a] / v["echo-bare", a] }
			printf "| %s | %.0f | %.2fx |\n", name, median(s, m), median(r, m)
		}
	}' "$tmp/results"

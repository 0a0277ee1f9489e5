# Reads `go test -bench` output of a benchmark whose sub-benchmarks include
# a baseline (echo-bare by default) and prints, per sub-benchmark, the
# median ns/op and the median over runs (-count) of baseline ns/op divided
# by its ns/op: the fraction of the baseline's throughput. Go runs every
# sub-benchmark once per count, in order, so each run's ratio compares
# neighbours in time and the host's drift cancels out.
#
#   go test -run '^$' -bench BenchmarkAPIMe -count 10 ./internal/http/ | awk -f bench/ratios.awk
#   ... | awk -v base=echo-bare -f bench/ratios.awk
function median(arr, m,    a, b, t) {
	for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (arr[b] < arr[a]) { t = arr[a]; arr[a] = arr[b]; arr[b] = t }
	return (m % 2) ? arr[(m + 1) / 2] : (arr[m / 2] + arr[m / 2 + 1]) / 2
}
BEGIN { if (base == "") base = "echo-bare" }
/^Benchmark[^ \t]*\/[^ \t]+[ \t]/ {
	name = $1; sub(/^[^\/]*\//, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") ns = $i
	n[name]++; v[name, n[name]] = ns
	if (!(name in seen)) { seen[name] = 1; names[++k] = name }
}
END {
	if (!(base in n)) { print "no " base " sub-benchmark in the input" > "/dev/stderr"; exit 1 }
	printf "| %s | ns/op (median) | vs %s (median of per-run ratios) | runs |\n|---|---:|---:|---:|\n", "benchmark", base
	for (i = 1; i <= k; i++) {
		name = names[i]; m = n[name]; delete s; delete r; runs = 0
		for (a = 1; a <= m; a++) { s[a] = v[name, a]; if (a <= n[base]) r[++runs] = v[base, a] / v[name, a] }
		printf "| %s | %.0f | %.2fx | %d |\n", name, median(s, m), median(r, runs), runs
	}
}

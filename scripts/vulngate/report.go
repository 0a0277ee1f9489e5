package main

import (
	"fmt"
	"io"
)

func (k kind) String() string {
	switch k {
	case kindFail:
		return "FAIL"
	case kindAllowed:
		return "ALLOWED"
	case kindWarn:
		return "WARN"
	default:
		return "not called"
	}
}

// report prints one block per result and a summary line, and returns the
// number of failing results.
func report(w io.Writer, s *scan, results []result) int {
	c := s.config
	fmt.Fprintf(w, "vulngate: %s %s, %s, database %s\n", c.ScannerName, c.ScannerVersion, c.GoVersion, c.DB)
	var count [kindUncalled + 1]int
	latestFix := ""
	for _, r := range results {
		count[r.kind]++
		printResult(w, r)
		if r.kind == kindWarn && (latestFix == "" || patchFix(goName(latestFix), r.fixed)) {
			latestFix = r.fixed
		}
	}
	fmt.Fprintf(w, "vulngate: %d failing, %d allowed, %d warnings, %d imported or required but not called\n",
		count[kindFail], count[kindAllowed], count[kindWarn], count[kindUncalled])
	if latestFix != "" {
		fmt.Fprintf(w, "vulngate: warning: %s lacks the standard-library fixes above; the Docker image builds with "+
			"the current Go release, which has them; update this toolchain to %s or later\n",
			c.GoVersion, goName(latestFix))
	}
	if count[kindFail] > 0 {
		fmt.Fprintln(w, "vulngate: FAIL: fix the findings above (see DESIGN.md, Security decisions)")
	}
	return count[kindFail]
}

func printResult(w io.Writer, r result) {
	at := r.module + "@" + r.version
	if r.module == "stdlib" {
		at = "stdlib " + goName(r.version)
	}
	fmt.Fprintf(w, "%-10s %s %s: %s\n", r.kind, r.id, at, r.summary)
	if r.example != "" {
		fmt.Fprintf(w, "%10s   call: %s\n", "", r.example)
	}
	switch {
	case r.why != "":
		fmt.Fprintf(w, "%10s   %s\n", "", r.why)
	case r.fixed != "" && r.module == "stdlib":
		fmt.Fprintf(w, "%10s   fixed in %s\n", "", goName(r.fixed))
	case r.fixed != "":
		fmt.Fprintf(w, "%10s   fixed in %s\n", "", r.fixed)
	}
}

// Command vulngate applies Rampart's vulnerability policy (DESIGN.md, "Security
// decisions") to the JSON stream of `govulncheck -json`, read from the file
// named on the command line or from stdin:
//
//   - a vulnerability the code calls in a dependency fails the gate;
//   - except exactly the advisories in allowed (Echo v4's GO-2026-6872 and
//     GO-2026-6875), which are printed with their recorded reason, and only
//     while no fixed version of that module exists;
//   - a called standard-library vulnerability fixed by a newer patch release of
//     the Go in use is a warning naming that release, because the Docker image
//     builds with the current Go release; any other one fails;
//   - vulnerabilities in imported packages or required modules that the code
//     never calls are listed but do not fail, as with govulncheck itself.
//
// The scan must be at symbol level (govulncheck's default), or "called" would
// mean nothing and the gate fails.
//
//	govulncheck -db file:///DIR -json ./... | go run ./scripts/vulngate
//
// It exits 1 when the gate fails and 2 on unreadable input.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		if errors.Is(err, errGateFailed) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

// errGateFailed means the scan was read and a finding breaks the policy.
var errGateFailed = errors.New("vulnerability gate failed")

// run reads the stream (args[1], or stdin when absent or "-"), prints the
// verdicts to stdout and returns errGateFailed when any finding fails.
func run(args []string, stdin io.Reader, stdout io.Writer) error {
	in := stdin
	switch {
	case len(args) > 2:
		return errors.New("usage: vulngate [govulncheck.json]")
	case len(args) == 2 && args[1] != "-":
		f, err := os.Open(args[1]) // #nosec G304 G703 -- the file its caller named on the command line
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	scan, err := readScan(in)
	if err != nil {
		return err
	}
	results := evaluate(scan, allowances())
	if report(stdout, scan, results) > 0 {
		return errGateFailed
	}
	return nil
}

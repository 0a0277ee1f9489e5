package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The subset of govulncheck's JSON protocol v1 (golang.org/x/vuln
// internal/govulncheck) that the policy needs; other messages (progress,
// SBOM) and fields are ignored.
type message struct {
	Config  *scanConfig `json:"config"`
	OSV     *osvEntry   `json:"osv"`
	Finding *finding    `json:"finding"`
}

type scanConfig struct {
	ProtocolVersion string `json:"protocol_version"`
	ScannerName     string `json:"scanner_name"`
	ScannerVersion  string `json:"scanner_version"`
	DB              string `json:"db"`
	GoVersion       string `json:"go_version"`
	ScanLevel       string `json:"scan_level"`
}

type osvEntry struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

type finding struct {
	OSV          string   `json:"osv"`
	FixedVersion string   `json:"fixed_version"`
	Trace        []*frame `json:"trace"`
}

// frame is one step of a finding's trace: the first is the vulnerable
// symbol (or only its package or module), the last the caller in our code.
type frame struct {
	Module   string    `json:"module"`
	Version  string    `json:"version"`
	Package  string    `json:"package"`
	Function string    `json:"function"`
	Receiver string    `json:"receiver"`
	Position *position `json:"position"`
}

type position struct {
	Filename string `json:"filename"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
}

// scan is one govulncheck run: its configuration, the advisories it loaded
// and its findings in stream order.
type scan struct {
	config   scanConfig
	osv      map[string]osvEntry
	findings []*finding
}

// readScan decodes a govulncheck -json stream. It fails on malformed JSON,
// on a stream without a config message (not govulncheck output, or a run
// that died first), on an unknown protocol major version, and on a scan
// below symbol level, where "called" cannot be told apart.
func readScan(r io.Reader) (*scan, error) {
	s := &scan{osv: map[string]osvEntry{}}
	seenConfig := false
	dec := json.NewDecoder(r)
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("reading govulncheck JSON: %w", err)
		}
		switch {
		case m.Config != nil:
			s.config, seenConfig = *m.Config, true
		case m.OSV != nil:
			s.osv[m.OSV.ID] = *m.OSV
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			s.findings = append(s.findings, m.Finding)
		}
	}
	switch {
	case !seenConfig:
		return nil, errors.New("no govulncheck config message in the input: is this `govulncheck -json` output?")
	case !strings.HasPrefix(s.config.ProtocolVersion, "v1."):
		return nil, fmt.Errorf("govulncheck JSON protocol %q is not supported (want v1.x)", s.config.ProtocolVersion)
	case s.config.ScanLevel != "symbol":
		return nil, fmt.Errorf("scan level is %q; the gate needs -scan symbol (the default) to know what is called", s.config.ScanLevel)
	}
	return s, nil
}

// called reports whether the finding reaches a vulnerable function.
func (f *finding) called() bool { return f.Trace[0].Function != "" }

// symbol is the vulnerable function the finding reaches, as pkg.Recv.Func.
func (f *finding) symbol() string { return f.Trace[0].name() }

// caller describes where our code enters the trace: "file:line:col: pkg.Func".
func (f *finding) caller() string {
	last := f.Trace[len(f.Trace)-1]
	if last.Position == nil || last.Position.Line == 0 {
		return last.name()
	}
	p := last.Position
	return fmt.Sprintf("%s:%d:%d: %s", p.Filename, p.Line, p.Column, last.name())
}

func (fr *frame) name() string {
	pkg := shortPackage(fr.Package)
	switch {
	case fr.Function == "":
		return fr.Package
	case fr.Receiver != "":
		return pkg + "." + strings.TrimPrefix(fr.Receiver, "*") + "." + fr.Function
	default:
		return pkg + "." + fr.Function
	}
}

// shortPackage is the last element of an import path, skipping a major
// version suffix: "github.com/labstack/echo/v4" is "echo".
func shortPackage(path string) string {
	parts := strings.Split(path, "/")
	last := parts[len(parts)-1]
	if len(parts) > 1 && len(last) > 1 && last[0] == 'v' && strings.Trim(last[1:], "0123456789") == "" {
		return parts[len(parts)-2]
	}
	return last
}

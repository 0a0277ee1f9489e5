package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rampart-dev/rampart/internal/config"
	"github.com/rampart-dev/rampart/internal/db"
)

// check runs `check [--deploy]`, in the manner of Django's check framework:
// every finding is printed as "LEVEL id: message"; errors make the command
// fail, warnings only print. Without --deploy it checks that the
// configuration loads, the database answers and every migration is applied;
// --deploy adds the production checklist of config.DeployChecks.
func check(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	deploy := fs.Bool("deploy", false, "also run the production deployment checklist")
	if err := fs.Parse(args); err != nil {
		return errReported
	}

	cfg, err := config.Load(getenv)
	if err != nil {
		var ve *config.ValidationError
		if errors.As(err, &ve) {
			for _, p := range ve.Problems {
				fmt.Fprintf(stdout, "ERROR rampart.E000: %s\n", p)
			}
			fmt.Fprintf(stdout, "System check identified %d issues (%d errors).\n", len(ve.Problems), len(ve.Problems))
			return errReported
		}
		return err
	}

	findings := databaseChecks(ctx, cfg)
	if *deploy {
		findings = append(findings, config.DeployChecks(cfg)...)
	}
	return reportFindings(stdout, findings)
}

// databaseChecks: the database answers and no migration is pending.
func databaseChecks(ctx context.Context, cfg *config.Config) []config.Finding {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	pool, err := db.Open(ctx, cfg.DatabaseURL, db.PoolOptions{})
	if err != nil {
		return []config.Finding{{Level: config.LevelError, ID: "rampart.E100",
			Message: fmt.Sprintf("the database does not answer: %v", err)}}
	}
	defer pool.Close()
	pending, err := db.NewMigrator(pool, discardLogger()).Pending(ctx)
	if err != nil {
		return []config.Finding{{Level: config.LevelError, ID: "rampart.E101",
			Message: fmt.Sprintf("cannot read the migration state: %v", err)}}
	}
	if len(pending) > 0 {
		return []config.Finding{{Level: config.LevelError, ID: "rampart.E102",
			Message: fmt.Sprintf("%d migrations are not applied (first: %s %d %s); run `server migrate up`",
				len(pending), pending[0].Source, pending[0].Version, pending[0].Name)}}
	}
	return nil
}

func reportFindings(w io.Writer, findings []config.Finding) error {
	errs := 0
	for _, f := range findings {
		level := "WARNING"
		if f.Level == config.LevelError {
			level = "ERROR"
			errs++
		}
		fmt.Fprintf(w, "%s %s: %s\n", level, f.ID, f.Message)
	}
	if len(findings) == 0 {
		fmt.Fprintln(w, "System check identified no issues.")
		return nil
	}
	fmt.Fprintf(w, "System check identified %d issues (%d errors, %d warnings).\n", len(findings), errs, len(findings)-errs)
	if errs > 0 {
		return errReported
	}
	return nil
}

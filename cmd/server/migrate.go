package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/rampart-dev/rampart/internal/db"
)

// migrate runs `migrate up|down|status`.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) != 1 || (args[0] != "up" && args[0] != "down" && args[0] != "status") {
		fmt.Fprint(stderr, "usage: server migrate up|down|status\n")
		return errReported
	}
	cfg, log, closeLog, err := loadConfig(getenv, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = closeLog() }()
	pool, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	m := db.NewMigrator(pool, log)

	switch args[0] {
	case "up":
		if err := m.Up(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations: up to date")
	case "down":
		err := m.Down(ctx)
		if errors.Is(err, db.ErrNotFound) {
			fmt.Fprintln(stdout, "migrations: nothing to roll back")
			return nil
		}
		return err
	case "status":
		states, err := m.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SOURCE\tVERSION\tNAME\tSTATE\tAPPLIED AT")
		for _, s := range states {
			state, at := "pending", ""
			if s.Applied {
				state = "applied"
				if !s.AppliedAt.IsZero() {
					at = s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", s.Source, s.Version, s.Name, state, at)
		}
		return tw.Flush()
	}
	return nil
}

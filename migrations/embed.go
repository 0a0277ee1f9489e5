// Package migrations embeds the goose SQL migrations so the binary carries
// its own schema.
package migrations

import "embed"

// FS holds every *.sql migration, in goose's file format.
//
//go:embed *.sql
var FS embed.FS

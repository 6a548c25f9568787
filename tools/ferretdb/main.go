// Command ferretdb is the project's development launcher for FerretDB 1.24.
//
// `go install` of FerretDB's own command does not work on these machines (see
// the README, "The local stack"), so this tiny main embeds FerretDB's embeddable package.
// It serves the MongoDB wire protocol on a loopback address and stores data in
// SQLite files (or PostgreSQL). Telemetry is disabled by the embeddable package.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27027", "TCP address to listen on")
	dir := flag.String("dir", "", "SQLite data directory (sqlite handler)")
	handler := flag.String("handler", "sqlite", "backend: sqlite or postgresql")
	pgURL := flag.String("postgresql-url", "", "PostgreSQL URL (postgresql handler)")
	level := flag.String("log-level", "warn", "log level: debug, info, warn or error")
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fail("invalid -log-level %q", *level)
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: *listen},
		Handler:  *handler,
		Logger:   logger,
	}
	switch *handler {
	case "sqlite":
		if *dir == "" {
			fail("-dir is required with the sqlite handler")
		}
		if err := os.MkdirAll(*dir, 0o700); err != nil {
			fail("cannot create %s: %v", *dir, err)
		}
		cfg.SQLiteURL = "file:" + *dir + "/"
	case "postgresql":
		cfg.PostgreSQLURL = *pgURL
	default:
		fail("unknown -handler %q", *handler)
	}

	f, err := ferretdb.New(cfg)
	if err != nil {
		fail("%v", err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	logger.Warn("ferretdb listening", "addr", *listen, "handler", *handler)
	if err := f.Run(ctx); err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ferretdb: "+format+"\n", args...)
	os.Exit(1)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partsbin/partsbin/backend/internal/app"
	"github.com/partsbin/partsbin/backend/internal/platform/config"
	"github.com/partsbin/partsbin/backend/internal/platform/db"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	migrateFirst := fs.Bool("migrate", false, "apply pending migrations before serving (same as PARTSBIN_MIGRATE_ON_START=true)")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if *migrateFirst {
		cfg.MigrateOnStart = true
	}
	log := newLogger(stderr, cfg.LogLevel)
	log.Info("starting partsbin", "config", cfg.Masked())

	a, err := app.New(ctx, cfg, log, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var wg sync.WaitGroup
	workersCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	wg.Go(func() { a.Run(workersCtx) })
	err = rpc.Serve(ctx, ln, a.Handler(), a.Health, rpc.ServerOptions{
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		DrainDelay:        cfg.DrainDelay,
		ShutdownGrace:     cfg.ShutdownGrace,
	}, log)
	// Requests are done: let the workers finish (the mail queue drains).
	stopWorkers()
	wg.Wait()
	return err
}

func migrate(ctx context.Context, args []string, stderr io.Writer) error {
	if len(args) > 0 {
		return usageError{"migrate takes no arguments"}
	}
	_, log, pool, err := openDatabase(ctx, stderr, "partsbin-migrate")
	if err != nil {
		return err
	}
	defer pool.Close()
	return db.Migrate(ctx, pool, log)
}

// openDatabase loads the configuration and opens a small pool, for the
// one-shot commands.
func openDatabase(ctx context.Context, stderr io.Writer, appName string) (config.Config, *slog.Logger, *pgxpool.Pool, error) {
	cfg, err := config.Load()
	if err != nil {
		return config.Config{}, nil, nil, fmt.Errorf("config: %w", err)
	}
	log := newLogger(stderr, cfg.LogLevel)
	pool, err := db.Open(ctx, db.PoolConfig{URL: cfg.DatabaseURL, MaxConns: 2, ConnectTimeout: cfg.DBConnectTimeout, ApplicationName: appName})
	if err != nil {
		return config.Config{}, nil, nil, err
	}
	return cfg, log, pool, nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/partsbin/partsbin/backend/internal/auth"
	"github.com/partsbin/partsbin/backend/internal/platform/clock"
	"github.com/partsbin/partsbin/backend/internal/platform/rpc"
)

func adminCreate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the admin's email address")
	name := fs.String("name", "Administrator", "the admin's full name")
	passwordFile := fs.String("password-file", "-", `file holding the password on its first line; "-" reads stdin`)
	ifMissing := fs.Bool("if-missing", false, "succeed without changes when the account already exists")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{"the password is never an argument: use --password-file or stdin"}
	}
	addr := rpc.NormalizeEmail(*email)
	fullName := strings.TrimSpace(*name)
	var v rpc.Violations
	rpc.CheckEmail(&v, "--email", addr)
	rpc.CheckText(&v, "--name", fullName, 1, 200, false)
	if err := v.Err(); err != nil {
		return usageError{err.Error()}
	}
	password, err := readPassword(*passwordFile, stdin)
	if err != nil {
		return err
	}
	if why := auth.CheckPassword(password, addr); why != "" {
		return fmt.Errorf("password %s", why)
	}

	cfg, log, pool, err := openDatabase(ctx, stderr, "partsbin-admin")
	if err != nil {
		return err
	}
	defer pool.Close()
	svc := auth.NewService(auth.ServiceConfig{
		Pool:   pool,
		Hasher: auth.NewHasher(auth.HashParams{MemoryKiB: cfg.Argon2MemoryKiB, Iterations: cfg.Argon2Iterations, Parallelism: cfg.Argon2Parallelism}, 1),
		Clock:  clock.System{},
		Log:    log,
	})
	u, err := svc.CreateUser(ctx, addr, password, fullName, auth.RoleAdmin)
	if errors.Is(err, auth.ErrEmailTaken) && *ifMissing {
		fmt.Fprintf(stdout, "admin %s already exists\n", addr)
		return nil
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "admin %s created (id %s)\n", u.Email, u.ID)
	return nil
}

func readPassword(path string, stdin io.Reader) (string, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("password file: %w", err)
		}
		defer f.Close()
		r = f
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password given: pass --password-file or pipe it to stdin")
	}
	return line, nil
}

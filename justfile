# partsbin task runner. `just` lists the recipes.
# Without a global just: `npx -y rust-just <recipe>`.

set shell := ["bash", "-euo", "pipefail", "-c"]

export PATH := justfile_directory() / ".tools/bin" + ":" + justfile_directory() / "clients/ts/node_modules/.bin" + ":" + env_var("PATH")

# List the recipes.
default:
    @{{just_executable()}} --list

# Install what is missing: Debian packages, Go tools, npm packages.
install:
    bash ops/local/install.sh

# Run the whole local stack: Postgres primary + standby behind Pgpool-II,
# Redis, Mailpit, stripe-mock, two API instances, the edge on :8080/:8081.
up: install
    bash ops/local/stack.sh up
    bash ops/local/api.sh up
    bash ops/local/edge.sh up
    @echo
    @echo "partsbin is up: http://127.0.0.1:8080 (Connect, gRPC-Web, JSON), 127.0.0.1:8081 (gRPC)  admin: .stack/admin.txt  mail: http://127.0.0.1:8025"

# Stop everything `just up` started.
down:
    bash ops/local/edge.sh down
    bash ops/local/api.sh down
    bash ops/local/stack.sh down

# Rebuild and restart the API instances one at a time (no request dropped).
restart:
    bash ops/local/api.sh restart
    bash ops/local/edge.sh up

# Show what runs: processes, Pgpool's nodes, roles, replication state and lag.
status:
    bash ops/local/edge.sh status
    bash ops/local/stack.sh status

# Kill the Postgres primary (immediate) and time the failover to the standby.
failover:
    bash ops/local/stack.sh failover

# Kill the standby (immediate): the primary goes on, asynchronously.
kill-standby:
    bash ops/local/stack.sh kill-standby

# Bring every node that is not the synchronous standby back as one.
rejoin:
    bash ops/local/stack.sh rejoin

# Run every test (starts the services it needs).
test:
    bash ops/local/test.sh

# Regenerate Go and TypeScript code from proto/.
gen: install
    buf generate
    @echo "regenerated gen/ and clients/ts/src/gen/"

# Lint, format and breaking checks of the contract, generated code freshness.
contract: install
    bash ops/local/contract.sh check

# Move the contract baseline forward (on purpose, with a commit saying why).
contract-baseline: install
    bash ops/local/contract.sh baseline

# Benchmarks of the auth hot paths against the running stack (`just up` first).
bench-auth:
    go run ./backend/cmd/pbbench argon2 -concurrency 1 -duration 5s
    go run ./backend/cmd/pbbench login -url http://127.0.0.1:8080 -n 5
    go run ./backend/cmd/pbbench getme -url http://127.0.0.1:8080 -duration 10s -concurrency 32
    go run ./backend/cmd/pbbench getme -url http://127.0.0.1:8080 -duration 10s -concurrency 32 -protocol grpc

# Tail the API instances' logs.
logs:
    tail -f .stack/logs/partsbin-api1.log .stack/logs/partsbin-api2.log

# Catalogue benchmarks at 50,000 products (own database and instance; `just up` first).
bench-catalog products="50000" duration="15s":
    bash ops/local/bench-catalog.sh {{products}} {{duration}}

# Edge benchmark: a cheap RPC through the edge with the limiter on and off,
# and straight to one instance, side by side (`just up` first).
bench-edge:
    bash -c '. .stack/env && go run ./backend/cmd/pbbench edge'

# Checkout under a primary failover: `just failover` in a second terminal
# while this runs; it prints the interruption and checks every order. It
# calls instance api1 directly: through the edge, 8 shoppers this fast would
# meet the per-address limits instead.
bench-checkout duration="30s" url="http://127.0.0.1:9001":
    go run ./backend/cmd/pbbench checkout -url {{url}} -duration {{duration}} -concurrency 8

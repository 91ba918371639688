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

# Run the whole local stack (Postgres, Redis, Mailpit, the API on :8080).
up: install
    bash ops/local/stack.sh up
    bash ops/local/api.sh up
    @echo
    @echo "partsbin is up: http://127.0.0.1:8080  (admin credentials: .stack/admin.txt, mail: http://127.0.0.1:8025)"

# Stop everything `just up` started.
down:
    bash ops/local/api.sh down
    bash ops/local/stack.sh down

# Rebuild and restart the API instance(s).
restart:
    bash ops/local/api.sh restart

# Show what runs.
status:
    bash ops/local/stack.sh status

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

# Tail the API log.
logs:
    tail -f .stack/logs/partsbin-api.log

# Catalogue benchmarks at 50,000 products (own database and instance; `just up` first).
bench-catalog products="50000" duration="15s":
    bash ops/local/bench-catalog.sh {{products}} {{duration}}

// Package deploy holds the checks of the repository's deployment
// descriptions: its test loads compose.yaml with compose-spec/compose-go and
// verifies that it describes the production-like topology (two Postgres
// nodes behind Pgpool-II, Redis, Mailpit, stripe-mock, a one-shot migration,
// two API instances behind the OpenResty edge) with the same config files
// and scripts from ops/ that the native stack uses. No Docker engine is
// needed: the file is validated, not run.
package deploy

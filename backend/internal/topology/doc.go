// Package topology holds the proofs that the replicated database works as
// the docs say: read-your-writes through Pgpool-II, reads on the standby,
// no acknowledged order lost when the primary or the standby is killed
// under load, and rejoining in both directions. The tests run a private
// primary + standby + Pgpool (ops/local/stack.sh db-up with their own
// STACK_DIR and ports), so they can kill nodes without disturbing the
// shared stack or other tests.
package topology

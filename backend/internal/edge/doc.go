// Package edge holds the proofs of the edge (ops/openresty: nginx + Lua in
// front of several API instances, rate limiting through Redis). Its tests
// run the real thing: they build the partsbin binary, start a private
// redis-server, two partsbin instances on a fresh seeded database and a
// private nginx through ops/local/edge.sh, then load it from many loopback
// addresses, kill Redis or an instance, restart instances one by one, and
// check what clients saw and what the edge logged.
//
// They need the local stack's Postgres and Mailpit (`just test`, or
// `just up` and `. .stack/env`), nginx with the Lua module, redis-server and
// node; they fail, never skip, without them.
package edge

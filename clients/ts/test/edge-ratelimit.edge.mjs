// The TypeScript client against the edge's rate limit (run by the Go test
// backend/internal/edge, not by `npm test`: it needs a private edge whose
// auth quota for PARTSBIN_EDGE_CLIENT_IP is already spent).
//
//   PARTSBIN_EDGE_URL        the edge's HTTP/1.1 port
//   PARTSBIN_EDGE_GRPC_URL   the edge's h2c port
//   PARTSBIN_EDGE_CLIENT_IP  the loopback address to call from

import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { after, test } from "node:test";

import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";

import { Code, ConnectError, createPartsbinClients, retryAfterMs } from "../dist/src/index.js";

const baseUrl = process.env.PARTSBIN_EDGE_URL;
const grpcUrl = process.env.PARTSBIN_EDGE_GRPC_URL;
const localAddress = process.env.PARTSBIN_EDGE_CLIENT_IP;
assert.ok(baseUrl && grpcUrl && localAddress, "PARTSBIN_EDGE_URL, PARTSBIN_EDGE_GRPC_URL and PARTSBIN_EDGE_CLIENT_IP are required");

// gRPC over prior-knowledge h2c, from the same loopback address.
const grpcTarget = new URL(grpcUrl);
const h2 = new Http2SessionManager(grpcUrl, undefined, {
  createConnection: () => netConnect({ host: grpcTarget.hostname, port: Number(grpcTarget.port), localAddress }),
});
after(() => h2.abort());

for (const [name, transport] of [
  ["connect", createConnectTransport({ baseUrl, httpVersion: "1.1", nodeOptions: { localAddress } })],
  ["grpc-web", createGrpcWebTransport({ baseUrl, httpVersion: "1.1", nodeOptions: { localAddress } })],
  ["grpc", createGrpcTransport({ baseUrl: grpcUrl, sessionManager: h2 })],
]) {
  test(`${name}: a limited call fails with resource_exhausted and a retry delay`, async () => {
    const { auth } = createPartsbinClients(transport);
    await assert.rejects(
      auth.login({ email: "nobody@example.com", password: "whatever-password" }),
      (err) => {
        assert.ok(err instanceof ConnectError, `want a ConnectError, got ${err}`);
        assert.equal(err.code, Code.ResourceExhausted, err.message);
        const ms = retryAfterMs(err);
        assert.ok(ms !== undefined && ms > 0 && ms <= 60_000, `retry delay ${ms}`);
        assert.ok(Number(err.metadata.get("retry-after")) >= 1, "Retry-After header");
        return true;
      },
    );
  });
}

// The TypeScript client against the edge's rate limit (run by the Go test
// backend/internal/edge, not by `npm test`: it needs a private edge whose
// auth quota for PARTSBIN_EDGE_CLIENT_IP is already spent).
//
//   PARTSBIN_EDGE_URL        the edge's HTTP/1.1 port
//   PARTSBIN_EDGE_CLIENT_IP  the loopback address to call from

import assert from "node:assert/strict";
import { test } from "node:test";

import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";

import { Code, ConnectError, createPartsbinClients, retryAfterMs } from "../dist/src/index.js";

const baseUrl = process.env.PARTSBIN_EDGE_URL;
const localAddress = process.env.PARTSBIN_EDGE_CLIENT_IP;
assert.ok(baseUrl && localAddress, "PARTSBIN_EDGE_URL and PARTSBIN_EDGE_CLIENT_IP are required");

for (const [name, create] of [
  ["connect", createConnectTransport],
  ["grpc-web", createGrpcWebTransport],
]) {
  test(`${name}: a limited call fails with resource_exhausted and a retry delay`, async () => {
    const transport = create({ baseUrl, httpVersion: "1.1", nodeOptions: { localAddress } });
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

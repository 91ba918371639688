// Offline tests of the helpers in src/index.ts: no server needed. The
// transport is an in-memory Connect router that answers GetMe with the
// Authorization header it received.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";

import {
  AuthService,
  auth,
  bearerAuth,
  common,
  createPartsbinClients,
  fieldViolations,
  retryAfterMs,
  versionMismatch,
} from "../src/index.js";

/** Clients whose GetMe returns the Authorization header as the user's full name. */
function echoAuthClients(getToken: () => string | undefined) {
  const transport = createRouterTransport(
    ({ service }) => {
      service(AuthService, {
        getMe(_req, ctx) {
          return { user: { fullName: ctx.requestHeader.get("Authorization") ?? "<none>" } };
        },
      });
    },
    { transport: { interceptors: [bearerAuth(getToken)] } },
  );
  return createPartsbinClients(transport);
}

describe("bearerAuth", () => {
  test("sends the current token and nothing without one", async () => {
    let token: string | undefined;
    const api = echoAuthClients(() => token);
    assert.equal((await api.auth.getMe({})).user?.fullName, "<none>");
    token = "pbs_abc";
    assert.equal((await api.auth.getMe({})).user?.fullName, "Bearer pbs_abc");
    token = "";
    assert.equal((await api.auth.getMe({})).user?.fullName, "<none>");
  });

  test("an explicit Authorization header on a call wins", async () => {
    const api = echoAuthClients(() => "pbs_abc");
    const res = await api.auth.getMe({}, { headers: { Authorization: "Bearer other" } });
    assert.equal(res.user?.fullName, "Bearer other");
  });
});

describe("error detail helpers", () => {
  test("retryAfterMs reads RetryInfo, else Retry-After, else undefined", () => {
    const withDetail = new ConnectError("slow down", Code.ResourceExhausted, undefined, [
      { desc: common.RetryInfoSchema, value: { retryAfterMs: 1500n } },
    ]);
    assert.equal(retryAfterMs(withDetail), 1500);

    const withHeader = new ConnectError("slow down", Code.ResourceExhausted, { "Retry-After": "3" });
    assert.equal(retryAfterMs(withHeader), 3000);

    assert.equal(retryAfterMs(new ConnectError("no hint", Code.Unavailable)), undefined);
    assert.equal(retryAfterMs(new Error("not a connect error")), undefined);
  });

  test("fieldViolations flattens BadRequest details", () => {
    const err = new ConnectError("invalid", Code.InvalidArgument, undefined, [
      {
        desc: common.BadRequestSchema,
        value: {
          fieldViolations: [
            { field: "email", description: "must be an email address" },
            { field: "password", description: "is too common" },
          ],
        },
      },
    ]);
    assert.deepEqual(
      fieldViolations(err).map((v) => [v.field, v.description]),
      [
        ["email", "must be an email address"],
        ["password", "is too common"],
      ],
    );
    assert.deepEqual(fieldViolations(new ConnectError("x", Code.InvalidArgument)), []);
    assert.deepEqual(fieldViolations("nope"), []);
  });

  test("versionMismatch returns the VersionMismatch detail", () => {
    const detail = create(common.VersionMismatchSchema, { entity: "user", expectedVersion: 3n, currentVersion: 5n });
    const err = new ConnectError("stale", Code.Aborted, undefined, [{ desc: common.VersionMismatchSchema, value: detail }]);
    const got = versionMismatch(err);
    assert.ok(got);
    assert.equal(got.entity, "user");
    assert.equal(got.expectedVersion, 3n);
    assert.equal(got.currentVersion, 5n);
    assert.equal(versionMismatch(new ConnectError("stale", Code.Aborted)), undefined);
  });

  test("package namespaces expose the generated descriptors", () => {
    assert.equal(auth.Role.CUSTOMER, 1);
    assert.equal(auth.AuthService.typeName, "partsbin.auth.v1.AuthService");
  });
});

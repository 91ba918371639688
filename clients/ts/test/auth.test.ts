// Integration tests of the auth flows through the published helpers, against
// a running partsbin server and its Mailpit:
//
//   PARTSBIN_BASE_URL     the API (default http://127.0.0.1:8080)
//   PARTSBIN_GRPC_URL     where HTTP/2 (gRPC, Connect over h2c) goes (default: PARTSBIN_BASE_URL)
//   PARTSBIN_MAILPIT_URL  Mailpit's HTTP API (default http://127.0.0.1:8025)
//
// Every test signs up its own random account. The whole file registers 4
// accounts and logs in 4 times, well inside the server's per-address limits
// (10 sign-ups per 10 minutes), so it passes on a fresh stack. An unreachable
// server fails the suite: nothing here is skipped.

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, beforeEach, describe, test } from "node:test";

import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";

import {
  auth,
  bearerAuth,
  createPartsbinClients,
  fieldViolations,
  type PartsbinClients,
  versionMismatch,
} from "../src/index.js";

const baseUrl = (process.env.PARTSBIN_BASE_URL ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
// HTTP/2 transports go here: the edge's gRPC port when tests run through the
// edge (its HTTP/1.1 port cannot carry gRPC trailers), else the API itself.
const h2Url = (process.env.PARTSBIN_GRPC_URL ?? baseUrl).replace(/\/+$/, "");
const mailpitUrl = (process.env.PARTSBIN_MAILPIT_URL ?? "http://127.0.0.1:8025").replace(/\/+$/, "");

// One HTTP/2 (h2c) connection shared by the Connect-over-h2 and gRPC
// transports; closed after the suite so node exits promptly.
const h2 = new Http2SessionManager(h2Url);
after(() => h2.abort());

/** Session token holder: transports read it on every call via bearerAuth. */
class Session {
  token: string | undefined;
  readonly interceptors: Interceptor[] = [bearerAuth(() => this.token)];
}

/** Connect protocol, HTTP/1.1, JSON: what curl and browsers speak. */
function connectH1Json(s: Session): Transport {
  return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors: s.interceptors });
}

/** Connect protocol, cleartext HTTP/2 (h2c), binary protobuf. */
function connectH2Binary(s: Session): Transport {
  return createConnectTransport({
    baseUrl: h2Url,
    httpVersion: "2",
    useBinaryFormat: true,
    sessionManager: h2,
    interceptors: s.interceptors,
  });
}

/** gRPC (always HTTP/2) over cleartext HTTP/2 (h2c). */
function grpcH2(s: Session): Transport {
  return createGrpcTransport({ baseUrl: h2Url, sessionManager: h2, interceptors: s.interceptors });
}

/** A fresh session and clients over Connect/HTTP/1.1/JSON. */
function newClients(): { session: Session; api: PartsbinClients } {
  const session = new Session();
  return { session, api: createPartsbinClients(connectH1Json(session)) };
}

function randomId(): string {
  return randomBytes(6).toString("hex");
}

function randomEmail(): string {
  return `ts-${randomId()}@example.com`;
}

/** A password that passes the server's strength rules and is unique per test. */
function randomPassword(): string {
  return `pw-${randomBytes(12).toString("base64url")}`;
}

/** Runs fn and returns the ConnectError it must throw. */
async function connectErrorOf(fn: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ConnectError, `expected a ConnectError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected the call to fail");
}

/** Registers a random account and stores its session token in session. */
async function register(
  api: PartsbinClients,
  session: Session,
  email = randomEmail(),
): Promise<{ email: string; password: string; user: auth.User }> {
  const password = randomPassword();
  const res = await api.auth.register({ email, password, fullName: "TS Test" });
  assert.ok(res.user, "register returns the user");
  assert.ok(res.session?.token, "register returns a session token");
  session.token = res.session.token;
  return { email: email.toLowerCase(), password, user: res.user };
}

/**
 * Resolves once the server answers /healthz. Checked (once) before every
 * test, so an unreachable server fails each test loudly: nothing is skipped.
 */
let serverReady: Promise<void> | undefined;
function requireServer(): Promise<void> {
  serverReady ??= (async () => {
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5000) });
      if (res.status !== 200) {
        throw new Error(`GET /healthz answered HTTP ${res.status}`);
      }
    } catch (err) {
      throw new Error(
        `partsbin server not reachable at ${baseUrl} (set PARTSBIN_BASE_URL): ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  })();
  return serverReady;
}

describe("AuthService", () => {
  beforeEach(requireServer);

  test("register, then GetMe over Connect/JSON/HTTP1.1, Connect/binary/h2c and gRPC/h2c", async () => {
    const { session, api } = newClients();
    const id = randomId();
    // Mixed case on purpose: the server stores emails lower-cased.
    const { user } = await register(api, session, `TS-${id}@Example.COM`);
    const email = `ts-${id}@example.com`;
    assert.equal(user.email, email);
    assert.equal(user.role, auth.Role.CUSTOMER);

    const transports: [string, Transport][] = [
      ["connect+json http/1.1", connectH1Json(session)],
      ["connect+proto h2c", connectH2Binary(session)],
      ["grpc h2c", grpcH2(session)],
    ];
    for (const [name, transport] of transports) {
      const { auth: client } = createPartsbinClients(transport);
      const me = await client.getMe({});
      assert.ok(me.user, `${name}: GetMe returns the user`);
      assert.equal(me.user.id, user.id, name);
      assert.equal(me.user.email, email, name);
      assert.equal(me.user.fullName, "TS Test", name);
      assert.equal(me.user.role, auth.Role.CUSTOMER, name);
      assert.equal(me.user.status, auth.UserStatus.ACTIVE, name);
      assert.equal(me.user.version, user.version, name);
    }
  });

  test("login with the password gives a working token; bad credentials and no token are unauthenticated", async () => {
    const { session, api } = newClients();
    const { email, password, user } = await register(api, session);
    const registerToken = session.token;

    const login = await api.auth.login({ email, password });
    assert.ok(login.session?.token);
    assert.notEqual(login.session.token, registerToken, "login starts a new session");
    assert.equal(login.user?.id, user.id);
    session.token = login.session.token;
    const me = await api.auth.getMe({});
    assert.equal(me.user?.id, user.id);

    const wrong = await connectErrorOf(() => api.auth.login({ email, password: `${password}-wrong` }));
    assert.equal(wrong.code, Code.Unauthenticated, wrong.message);

    session.token = undefined;
    const anonymous = await connectErrorOf(() => api.auth.getMe({}));
    assert.equal(anonymous.code, Code.Unauthenticated, anonymous.message);

    session.token = "pbs_not-a-real-token";
    const bogus = await connectErrorOf(() => api.auth.getMe({}));
    assert.equal(bogus.code, Code.Unauthenticated, bogus.message);
  });

  test("invalid input is invalid_argument with the offending fields named", async () => {
    const { api } = newClients();

    const common = await connectErrorOf(() =>
      api.auth.register({ email: randomEmail(), password: "password123", fullName: "TS Test" }),
    );
    assert.equal(common.code, Code.InvalidArgument, common.message);
    assert.deepEqual(
      fieldViolations(common).map((v) => v.field),
      ["password"],
    );
    assert.ok(fieldViolations(common)[0]?.description, "a violation says why");

    const badEmail = await connectErrorOf(() =>
      api.auth.register({ email: "not-an-email", password: randomPassword(), fullName: "TS Test" }),
    );
    assert.equal(badEmail.code, Code.InvalidArgument, badEmail.message);
    assert.deepEqual(
      fieldViolations(badEmail).map((v) => v.field),
      ["email"],
    );

    // Every invalid field is reported, in request order.
    const both = await connectErrorOf(() => api.auth.register({ email: "not-an-email", password: "password123", fullName: "" }));
    assert.equal(both.code, Code.InvalidArgument, both.message);
    assert.deepEqual(
      fieldViolations(both).map((v) => v.field),
      ["email", "password", "full_name"],
    );

    // Not a validation failure: no violations.
    assert.deepEqual(fieldViolations(new ConnectError("x", Code.Internal)), []);
  });

  test("password reset by mail ends old sessions and sets the new password", async () => {
    const { session, api } = newClients();
    const { email, password } = await register(api, session);
    const oldToken = session.token;

    await api.auth.requestPasswordReset({ email });
    const mailText = await waitForMail(email, 15_000);
    const match = /\bpbr_[A-Za-z0-9_-]{43}\b/.exec(mailText);
    assert.ok(match, `reset token in the mail:\n${mailText}`);
    const resetToken = match[0];

    const newPassword = randomPassword();
    session.token = undefined;
    await api.auth.resetPassword({ token: resetToken, newPassword });

    // Every session of the account has ended.
    session.token = oldToken;
    const stale = await connectErrorOf(() => api.auth.getMe({}));
    assert.equal(stale.code, Code.Unauthenticated, stale.message);

    // The token works once.
    session.token = undefined;
    const reused = await connectErrorOf(() => api.auth.resetPassword({ token: resetToken, newPassword: randomPassword() }));
    assert.equal(reused.code, Code.InvalidArgument, reused.message);
    assert.deepEqual(
      fieldViolations(reused).map((v) => v.field),
      ["token"],
    );

    const oldLogin = await connectErrorOf(() => api.auth.login({ email, password }));
    assert.equal(oldLogin.code, Code.Unauthenticated, oldLogin.message);

    const login = await api.auth.login({ email, password: newPassword });
    assert.ok(login.session?.token);
    session.token = login.session.token;
    const me = await api.auth.getMe({});
    assert.equal(me.user?.email, email);
  });

  test("UpdateProfile with a stale expected_version is aborted with the current version", async () => {
    const { session, api } = newClients();
    const { user } = await register(api, session);

    const updated = await api.auth.updateProfile({
      fullName: "TS Renamed",
      expectedVersion: user.version,
      updateMask: { paths: ["full_name"] },
    });
    assert.ok(updated.user);
    assert.equal(updated.user.fullName, "TS Renamed");
    assert.ok(updated.user.version > user.version, "an update bumps the version");

    const err = await connectErrorOf(() =>
      api.auth.updateProfile({
        fullName: "TS Lost Update",
        expectedVersion: user.version,
        updateMask: { paths: ["full_name"] },
      }),
    );
    assert.equal(err.code, Code.Aborted, err.message);
    const mismatch = versionMismatch(err);
    assert.ok(mismatch, "aborted carries a VersionMismatch detail");
    assert.equal(mismatch.entity, "user");
    assert.equal(mismatch.expectedVersion, user.version);
    assert.equal(mismatch.currentVersion, updated.user.version);

    const me = await api.auth.getMe({});
    assert.equal(me.user?.fullName, "TS Renamed", "the stale update changed nothing");
    assert.equal(me.user?.version, mismatch.currentVersion);
  });
});

/** Mailpit's search result (the part we read). */
interface MailpitSearch {
  messages: { ID: string }[];
}

/** Mailpit's message view (the part we read). */
interface MailpitMessage {
  Text: string;
}

async function mailpitGet<T>(path: string): Promise<T> {
  const res = await fetch(`${mailpitUrl}${path}`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.ok, true, `GET ${mailpitUrl}${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** Polls Mailpit until a mail to `to` arrives and returns its text body. */
async function waitForMail(to: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const query = encodeURIComponent(`to:"${to}"`);
  for (;;) {
    const found = await mailpitGet<MailpitSearch>(`/api/v1/search?query=${query}`);
    const first = found.messages[0];
    if (first) {
      const msg = await mailpitGet<MailpitMessage>(`/api/v1/message/${encodeURIComponent(first.ID)}`);
      return msg.Text;
    }
    if (Date.now() > deadline) {
      assert.fail(`no mail to ${to} in Mailpit (${mailpitUrl}) within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

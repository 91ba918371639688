/**
 * `@partsbin/client`: typed clients for the partsbin shop API.
 *
 * - Every protobuf package is re-exported as a namespace (`auth`, `catalog`,
 *   `cart`, `checkout`, `promotion`, `staff`, `stats`, `support`, `common`),
 *   because packages reuse message names. The service descriptors are also
 *   exported at the top level.
 * - {@link createBrowserTransport}, {@link createPartsbinClients} and
 *   {@link bearerAuth} wire a browser app up in three lines.
 * - {@link retryAfterMs}, {@link fieldViolations} and {@link versionMismatch}
 *   read the typed error details the server attaches to failures.
 *
 * This module imports nothing Node-specific: in Node, build a transport with
 * `@connectrpc/connect-node` and pass it to {@link createPartsbinClients}.
 *
 * @packageDocumentation
 */

import { type Client, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { type ConnectTransportOptions, createConnectTransport } from "@connectrpc/connect-web";

import { AuthService } from "./gen/partsbin/auth/v1/auth_pb.js";
import { CartService } from "./gen/partsbin/cart/v1/cart_pb.js";
import { CatalogService } from "./gen/partsbin/catalog/v1/catalog_pb.js";
import { CheckoutService } from "./gen/partsbin/checkout/v1/checkout_pb.js";
import {
  BadRequestSchema,
  type FieldViolation,
  RetryInfoSchema,
  type VersionMismatch,
  VersionMismatchSchema,
} from "./gen/partsbin/common/v1/common_pb.js";
import { PromotionService } from "./gen/partsbin/promotion/v1/promotion_pb.js";
import { StaffService } from "./gen/partsbin/staff/v1/staff_pb.js";
import { StatsService } from "./gen/partsbin/stats/v1/stats_pb.js";
import { SupportService } from "./gen/partsbin/support/v1/support_pb.js";

/** Messages, enums and the service of `partsbin.auth.v1` (accounts, sessions). */
export * as auth from "./gen/partsbin/auth/v1/auth_pb.js";
/** Messages, enums and the service of `partsbin.catalog.v1` (products, search, reviews). */
export * as catalog from "./gen/partsbin/catalog/v1/catalog_pb.js";
/** Messages, enums and the service of `partsbin.cart.v1` (the customer's cart). */
export * as cart from "./gen/partsbin/cart/v1/cart_pb.js";
/** Messages, enums and the service of `partsbin.checkout.v1` (orders, payment, order stream). */
export * as checkout from "./gen/partsbin/checkout/v1/checkout_pb.js";
/** Messages, enums and the service of `partsbin.promotion.v1` (discount codes). */
export * as promotion from "./gen/partsbin/promotion/v1/promotion_pb.js";
/** Messages, enums and the service of `partsbin.staff.v1` (back office). */
export * as staff from "./gen/partsbin/staff/v1/staff_pb.js";
/** Messages, enums and the service of `partsbin.stats.v1` (dashboard). */
export * as stats from "./gen/partsbin/stats/v1/stats_pb.js";
/** Messages, enums and the service of `partsbin.support.v1` (live support chat). */
export * as support from "./gen/partsbin/support/v1/support_pb.js";
/** Shared messages of `partsbin.common.v1`: Money, Address and the error details. */
export * as common from "./gen/partsbin/common/v1/common_pb.js";

/** The service descriptors, for `createClient` or your own tooling. */
export {
  AuthService,
  CartService,
  CatalogService,
  CheckoutService,
  PromotionService,
  StaffService,
  StatsService,
  SupportService,
};

/** Re-exported from `@connectrpc/connect` so apps can check `err.code` without another import. */
export { Code, ConnectError } from "@connectrpc/connect";
export type { Client, Interceptor, Transport } from "@connectrpc/connect";

/** One typed client per partsbin service, all sharing one transport. */
export interface PartsbinClients {
  /** Accounts and sessions: register, login, profile, password reset. */
  auth: Client<typeof AuthService>;
  /** Product search, product pages, categories, reviews. */
  catalog: Client<typeof CatalogService>;
  /** The signed-in customer's cart. */
  cart: Client<typeof CartService>;
  /** Placing, paying, cancelling and watching orders. */
  checkout: Client<typeof CheckoutService>;
  /** Discount codes (staff). */
  promotion: Client<typeof PromotionService>;
  /** Back office: products, categories, orders, accounts, audit (staff/admin). */
  staff: Client<typeof StaffService>;
  /** Business dashboard (admin, staff read-only). */
  stats: Client<typeof StatsService>;
  /** Live support conversations (customers and staff). */
  support: Client<typeof SupportService>;
}

/**
 * Creates one typed client per partsbin service on `transport`.
 *
 * @param transport - Any Connect transport: {@link createBrowserTransport} in
 *   a browser, `createConnectTransport` / `createGrpcTransport` from
 *   `@connectrpc/connect-node` in Node.
 * @returns The clients, e.g. `clients.auth.getMe({})`.
 */
export function createPartsbinClients(transport: Transport): PartsbinClients {
  return {
    auth: createClient(AuthService, transport),
    catalog: createClient(CatalogService, transport),
    cart: createClient(CartService, transport),
    checkout: createClient(CheckoutService, transport),
    promotion: createClient(PromotionService, transport),
    staff: createClient(StaffService, transport),
    stats: createClient(StatsService, transport),
    support: createClient(SupportService, transport),
  };
}

/**
 * An interceptor that sends `Authorization: Bearer <token>` on every call
 * while `getToken()` returns a non-empty token, and nothing otherwise (public
 * calls such as Login still work). A header set explicitly on a call wins.
 *
 * @param getToken - Called once per request, so a token obtained or cleared
 *   later (login, logout) takes effect on the next call.
 */
export function bearerAuth(getToken: () => string | undefined): Interceptor {
  return (next) => async (req) => {
    const token = getToken();
    if (token && !req.header.has("Authorization")) {
      req.header.set("Authorization", `Bearer ${token}`);
    }
    return next(req);
  };
}

/** Options of {@link createBrowserTransport}. */
export interface BrowserTransportOptions extends Omit<ConnectTransportOptions, "baseUrl"> {
  /**
   * Returns the current session token, if any; it is sent as a bearer token
   * (see {@link bearerAuth}). Omit for anonymous use.
   */
  getToken?: () => string | undefined;
}

/**
 * Creates a fetch-based Connect transport for browsers (and any runtime with
 * `fetch`). It speaks the Connect protocol with JSON unless
 * `useBinaryFormat: true` is given, and adds the bearer token from
 * `opts.getToken` before any `opts.interceptors`.
 *
 * @param baseUrl - The API origin, e.g. `"https://shop.example.com"` or
 *   `window.location.origin`.
 * @param opts - Token source plus any `@connectrpc/connect-web` transport
 *   option (interceptors, fetch, defaultTimeoutMs, useHttpGet, ...).
 */
export function createBrowserTransport(baseUrl: string, opts: BrowserTransportOptions = {}): Transport {
  const { getToken, interceptors = [], useBinaryFormat = false, ...rest } = opts;
  return createConnectTransport({
    ...rest,
    baseUrl,
    useBinaryFormat,
    interceptors: getToken ? [bearerAuth(getToken), ...interceptors] : interceptors,
  });
}

/** Returns err as a ConnectError if it is one (no conversion of other errors). */
function asConnectError(err: unknown): ConnectError | undefined {
  return err instanceof ConnectError ? err : undefined;
}

/**
 * How long to wait before retrying a `resource_exhausted` (rate limit) or
 * `unavailable` error, in milliseconds: the `partsbin.common.v1.RetryInfo`
 * detail, or else the HTTP `Retry-After` header (seconds).
 *
 * @param err - Anything caught from a call; non-Connect errors give undefined.
 * @returns Milliseconds, or undefined when the server gave no hint.
 */
export function retryAfterMs(err: unknown): number | undefined {
  const ce = asConnectError(err);
  if (!ce) {
    return undefined;
  }
  const [info] = ce.findDetails(RetryInfoSchema);
  if (info) {
    return Number(info.retryAfterMs);
  }
  const header = ce.metadata.get("Retry-After");
  if (header !== null && /^\d+$/.test(header.trim())) {
    return Number(header.trim()) * 1000;
  }
  return undefined;
}

/**
 * The invalid request fields of an `invalid_argument` error, from its
 * `partsbin.common.v1.BadRequest` detail(s), in request order.
 *
 * @param err - Anything caught from a call; non-Connect errors give [].
 * @returns Each violation's `field` (e.g. `"shipping_address.postal_code"`)
 *   and `description`; empty when there are none.
 */
export function fieldViolations(err: unknown): FieldViolation[] {
  const ce = asConnectError(err);
  if (!ce) {
    return [];
  }
  return ce.findDetails(BadRequestSchema).flatMap((br) => br.fieldViolations);
}

/**
 * The `partsbin.common.v1.VersionMismatch` detail of an `aborted` error: an
 * update carried a stale `expected_version`. Re-read the entity (its version
 * is `currentVersion`) and retry.
 *
 * @param err - Anything caught from a call; non-Connect errors give undefined.
 * @returns The detail (`entity`, `expectedVersion`, `currentVersion` as
 *   bigint), or undefined when the error has none.
 */
export function versionMismatch(err: unknown): VersionMismatch | undefined {
  const ce = asConnectError(err);
  if (!ce) {
    return undefined;
  }
  return ce.findDetails(VersionMismatchSchema)[0];
}

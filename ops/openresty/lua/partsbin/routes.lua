-- The edge's route classes: the one table that says how hard each route is
-- limited per client address. Each class has its own quota (a separate
-- sliding-window log per class and client), so a burst of product browsing
-- never uses up the sign-in quota and the other way round.
--
-- A request's class: the entry in `exact` for its path, else the longest
-- matching entry in `prefixes`, else "default". "exempt" skips the limiter.
-- Methods in `methods` (CORS preflights) are classed by method first.
-- PB_EDGE_LIMITS overrides limit and window per class at start
-- ("auth=5/60000,browse=100/1000").
--
-- The API limits per account on top of this (ops: docs/edge.md).
return {
  classes = {
    -- Credential and mail-sending RPCs: guessing passwords, reset mails.
    auth = { limit = 20, window_ms = 60000 },
    -- Catalogue pages and search: what a shopper clicks through quickly.
    browse = { limit = 200, window_ms = 10000 },
    -- Product images (cached for good by browsers: content-addressed).
    images = { limit = 600, window_ms = 10000 },
    -- Everything else: cart, checkout, orders, back office, support.
    default = { limit = 300, window_ms = 10000 },
  },

  exact = {
    ["/partsbin.auth.v1.AuthService/Login"] = "auth",
    ["/partsbin.auth.v1.AuthService/Register"] = "auth",
    ["/partsbin.auth.v1.AuthService/RequestPasswordReset"] = "auth",
    ["/partsbin.auth.v1.AuthService/ResetPassword"] = "auth",
    ["/partsbin.auth.v1.AuthService/ChangePassword"] = "auth",
    -- A write in a read-mostly service.
    ["/partsbin.catalog.v1.CatalogService/SubmitReview"] = "default",
    ["/healthz"] = "exempt",
    ["/readyz"] = "exempt",
  },

  prefixes = {
    { "/partsbin.catalog.v1.CatalogService/", "browse" },
    { "/images/", "images" },
    -- The payment provider's webhooks: signed, and all from a few
    -- provider addresses that must never be throttled.
    { "/webhooks/", "exempt" },
    { "/grpc.health.v1.Health/", "exempt" },
  },

  methods = {
    -- CORS preflights go to the API untouched (it answers them).
    OPTIONS = "exempt",
  },
}

-- The edge's rate limiter: per client address and route class, a
-- sliding-window log in Redis, decided by backend/internal/ratelimit/
-- sliding_window.lua (the same script the API runs through go-redis) with
-- one EVALSHA per request (EVAL when Redis answers NOSCRIPT).
--
-- Failure policy: when Redis cannot answer, the request goes through (fail
-- open) and the event is counted in the shared dict (GET /edge/status on the
-- status port) and logged at most once per second per worker; the worker
-- then skips Redis for a second so a dead Redis adds no latency, and
-- limiting resumes by itself once Redis answers again.
local resp = require("partsbin.resp")
local routes = require("partsbin.routes")
local reject = require("partsbin.reject")
local lb = require("partsbin.balancer")

local ceil, max, fmt = math.ceil, math.max, string.format
local tonumber, tostring = tonumber, tostring

local M = {}

local cfg = nil
local stats = ngx.shared.pb_edge_stats
local down_until = 0 -- per worker: skip Redis until then (seconds)
local last_log = 0

local function to_hex(s)
  return (s:gsub(".", function(c)
    return fmt("%02x", c:byte())
  end))
end

-- parse_limits reads "auth=5/60000,browse=100/1000".
local function parse_limits(spec, classes)
  for item in spec:gmatch("[^,%s]+") do
    local name, limit, window = item:match("^([%w_-]+)=(%d+)/(%d+)$")
    if not name then
      error("PB_EDGE_LIMITS: want class=limit/window_ms, got " .. item)
    end
    if not classes[name] then
      error("PB_EDGE_LIMITS: unknown class " .. name)
    end
    limit, window = tonumber(limit), tonumber(window)
    if limit < 1 or window < 1 then
      error("PB_EDGE_LIMITS: limit and window must be positive in " .. item)
    end
    classes[name] = { limit = limit, window_ms = window }
  end
end

-- init runs once in the master at start (and on reload): it reads the
-- settings and the script, and fails the start on a bad one.
function M.init()
  lb.init(os.getenv("PB_EDGE_UPSTREAMS"))
  local c = {
    enabled = (os.getenv("PB_EDGE_LIMITER") or "on") ~= "off",
    prefix = os.getenv("PB_EDGE_REDIS_PREFIX") or "pb:edge:",
    classes = {},
  }
  for name, q in pairs(routes.classes) do
    c.classes[name] = { limit = q.limit, window_ms = q.window_ms }
  end
  local limits = os.getenv("PB_EDGE_LIMITS")
  if limits and limits ~= "" then
    parse_limits(limits, c.classes)
  end
  for name, q in pairs(c.classes) do
    q.policy = fmt("%d;w=%d", q.limit, max(1, ceil(q.window_ms / 1000)))
    q.name = name
  end
  if c.enabled then
    local path = os.getenv("PB_EDGE_SCRIPT") or (ngx.config.prefix() .. "sliding_window.lua")
    local f, err = io.open(path, "rb")
    if not f then
      error("PB_EDGE_SCRIPT: cannot read the limiter script: " .. tostring(err))
    end
    c.script = f:read("*a")
    f:close()
    c.sha = to_hex(ngx.sha1_bin(c.script))
    local url = os.getenv("PB_EDGE_REDIS_URL")
    if not url or url == "" then
      error("PB_EDGE_REDIS_URL is required while the limiter is on (PB_EDGE_LIMITER=off disables it)")
    end
    local conf, perr = resp.parse_url(url)
    if not conf then
      error("PB_EDGE_REDIS_URL: " .. perr)
    end
    c.redis = resp.new(conf, tonumber(os.getenv("PB_EDGE_REDIS_TIMEOUT_MS") or "500"))
    c.redis_addr = conf.host .. ":" .. conf.port
  end
  cfg = c
end

-- classify returns the route class of a request.
local function classify(uri, method)
  local by_method = routes.methods[method]
  if by_method then
    return by_method
  end
  local exact = routes.exact[uri]
  if exact then
    return exact
  end
  local best, best_len = "default", 0
  for _, p in ipairs(routes.prefixes) do
    local prefix = p[1]
    if #prefix > best_len and uri:sub(1, #prefix) == prefix then
      best, best_len = p[2], #prefix
    end
  end
  return best
end
M.classify = classify

-- client_key is the address the quota belongs to: IPv4 as is, IPv6 by its
-- /64 (one subscriber's prefix; addresses inside it are free to rotate).
local function client_key(addr)
  if not addr:find(":", 1, true) then
    return addr
  end
  local v4 = addr:match("^::[fF][fF][fF][fF]:(%d+%.%d+%.%d+%.%d+)$")
  if v4 then
    return v4
  end
  local head, tail = addr:match("^(.-)::(.*)$")
  local groups = {}
  local function add(part)
    for g in part:gmatch("[^:]+") do
      groups[#groups + 1] = g
    end
  end
  if head then
    add(head)
    local t = {}
    for g in tail:gmatch("[^:]+") do
      t[#t + 1] = g
    end
    for _ = 1, 8 - #groups - #t do
      groups[#groups + 1] = "0"
    end
    for _, g in ipairs(t) do
      groups[#groups + 1] = g
    end
  else
    add(addr)
  end
  local out = {}
  for i = 1, 4 do
    out[i] = fmt("%x", tonumber(groups[i] or "0", 16) or 0)
  end
  return table.concat(out, ":") .. "::/64"
end
M.client_key = client_key

local function count(name)
  stats:incr(name, 1, 0)
end

local function fail_open(err)
  count("fail_open")
  ngx.var.pb_rl = "fail_open"
  local now = ngx.now()
  if err then
    count("redis_errors")
    down_until = now + 1
  end
  if now - last_log >= 1 then
    last_log = now
    ngx.log(ngx.WARN, "rate limiter failing open: Redis at ", cfg.redis_addr, " ",
      err and ("did not answer: " .. tostring(err)) or "was down a moment ago, retrying within 1 s",
      " (fail-open events so far: ", stats:get("fail_open") or 0, ")")
  end
end

local function is_noscript(msg)
  return msg and msg:find("NOSCRIPT", 1, true) == 1
end

-- access is the access_by_lua handler of every proxied location.
function M.access()
  local class = classify(ngx.var.uri, ngx.req.get_method())
  ngx.var.pb_rl_class = class
  if class == "exempt" then
    ngx.var.pb_rl = "exempt"
    return
  end
  if not cfg.enabled then
    ngx.var.pb_rl = "off"
    return
  end
  local q = cfg.classes[class] or cfg.classes.default
  if ngx.now() < down_until then
    return fail_open(nil)
  end
  local key = cfg.prefix .. "rl:" .. class .. ":" .. client_key(ngx.var.remote_addr)
  local nonce = ngx.var.request_id
  local res, err, is_redis = cfg.redis:call({
    { "EVALSHA", cfg.sha, 1, key, q.limit, q.window_ms, 1, nonce },
    { "EVAL", cfg.script, 1, key, q.limit, q.window_ms, 1, nonce },
  }, is_noscript)
  if type(res) ~= "table" or #res < 4 then
    return fail_open(is_redis and ("error reply: " .. tostring(err)) or err or "unexpected reply")
  end
  local allowed, remaining, retry_ms = res[1], res[2], res[3]
  local reset_ms = res[5] or retry_ms
  ngx.var.pb_rl_limit = q.limit
  ngx.var.pb_rl_policy = q.policy
  ngx.var.pb_rl_remaining = remaining
  ngx.var.pb_rl_reset = allowed == 1 and ceil(reset_ms / 1000) or max(1, ceil(retry_ms / 1000))
  if res[6] then
    ngx.var.pb_rl_ts = fmt("%d", res[6])
  end
  if allowed == 1 then
    count("allowed")
    ngx.var.pb_rl = "allowed"
    return
  end
  count("rejected")
  ngx.var.pb_rl = "rejected"
  return reject.rate_limited(class, retry_ms)
end

-- header_filter adds the quota headers to every limited response, allowed
-- or not (IETF draft RateLimit header fields).
function M.header_filter()
  lb.header_filter()
  local limit = ngx.var.pb_rl_limit
  if limit == nil or limit == "" then
    return
  end
  local h = ngx.header
  h["RateLimit-Limit"] = limit
  h["RateLimit-Remaining"] = ngx.var.pb_rl_remaining
  h["RateLimit-Reset"] = ngx.var.pb_rl_reset
  h["RateLimit-Policy"] = ngx.var.pb_rl_policy
end

-- status serves the counters as JSON.
function M.status()
  local names = { "allowed", "rejected", "fail_open", "redis_errors" }
  local parts = {}
  for _, n in ipairs(names) do
    parts[#parts + 1] = fmt('"%s":%d', n, stats:get(n) or 0)
  end
  local classes = {}
  for name, q in pairs(cfg.classes) do
    classes[#classes + 1] = fmt('"%s":{"limit":%d,"window_ms":%d}', name, q.limit, q.window_ms)
  end
  table.sort(classes)
  ngx.say("{", table.concat(parts, ","), ',"limiter":"', cfg.enabled and "on" or "off",
    '","redis":"', cfg.redis_addr or "", '","classes":{', table.concat(classes, ","), '},"upstreams":', lb.state(), "}")
end

M.edge_error = reject.edge_error
M.balance = lb.balance
M.log = lb.log
return M

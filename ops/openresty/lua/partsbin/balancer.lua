-- Load balancing over the API instances (balancer_by_lua of both upstream
-- blocks): least connections per worker, passive health, and draining.
--
-- Why not nginx's own least_conn: an instance that shuts down must leave
-- the rotation *before* it closes its listener. nginx without active health
-- checks only learns from failures, and the failures at that moment (a
-- connection reset after the request was written, one still queued in the
-- closed listener's backlog) hit requests that cannot be retried safely
-- when they are writes (POST). So instances announce their drain: while
-- draining, every response carries `X-Partsbin-Draining: 1` (see
-- backend/internal/platform/rpc/server.go); the first such response takes
-- the instance out of every worker's rotation. Nothing new is sent to it,
-- its idle keep-alive connections expire here (1 s) before its drain delay
-- ends (3 s recommended), so by the time it closes its listener the edge
-- has nothing on the way to it.
--
-- Rules for each attempt (nginx's proxy_next_upstream decides whether a
-- failed attempt is retried at all):
--   1. candidates: instances not yet tried for this request;
--   2. prefer those neither draining nor failed recently; if none is left,
--      use the others (an edge with every instance marked keeps trying);
--   3. fewest requests in flight from this worker, ties broken in turn.
-- Marks expire by themselves: draining after 1 s (refreshed by every
-- response that still carries the header), failed after 2 s (a connection
-- error or timeout); so a restarted instance is back within seconds.
local balancer = require("ngx.balancer")

local M = {}

local peers = {}     -- { {host=, port=, addr=} }
local inflight = {}  -- addr -> requests in flight from this worker
local turn = 0
local marks = ngx.shared.pb_edge_peers

local DRAINING_TTL = 1
local FAILED_TTL = 2

local function resolve(host)
  if host:match("^%d+%.%d+%.%d+%.%d+$") or host:find(":", 1, true) then
    return host
  end
  -- A name (compose service): resolved once at start, in the master.
  local p = io.popen("getent hosts " .. host:gsub("[^%w%.%-_]", "") .. " 2>/dev/null")
  local out = p and p:read("*l") or nil
  if p then
    p:close()
  end
  local ip = out and out:match("^(%S+)")
  if not ip then
    error("PB_EDGE_UPSTREAMS: cannot resolve " .. host)
  end
  return ip
end

-- init reads "host:port,host:port" (PB_EDGE_UPSTREAMS).
function M.init(spec)
  peers = {}
  for item in (spec or ""):gmatch("[^,%s]+") do
    local host, port = item:match("^%[?([^%]]+)%]?:(%d+)$")
    if not host then
      error("PB_EDGE_UPSTREAMS: want host:port, got " .. item)
    end
    local ip = resolve(host)
    peers[#peers + 1] = { host = ip, port = tonumber(port), addr = item }
  end
  if #peers == 0 then
    error("PB_EDGE_UPSTREAMS names no API instance")
  end
  for _, p in ipairs(peers) do
    inflight[p.addr] = 0
  end
end

function M.peers()
  return peers
end

local function flagged(p)
  return marks:get("draining:" .. p.addr) or marks:get("failed:" .. p.addr)
end

local function pick(tried)
  local best, best_load, fallback, fallback_load
  local n = #peers
  turn = turn + 1
  for i = 0, n - 1 do
    local p = peers[(turn + i) % n + 1]
    if not tried[p.addr] then
      local load = inflight[p.addr]
      if not flagged(p) then
        if not best or load < best_load then
          best, best_load = p, load
        end
      elseif not fallback or load < fallback_load then
        fallback, fallback_load = p, load
      end
    end
  end
  return best or fallback
end

local function release(ctx)
  local addr = ctx.pb_peer
  if addr then
    inflight[addr] = inflight[addr] - 1
    ctx.pb_peer = nil
  end
end

-- balance is the balancer_by_lua handler (every attempt of a request).
function M.balance()
  local ctx = ngx.ctx
  local tried = ctx.pb_tried
  if not tried then
    tried = {}
    ctx.pb_tried = tried
    if #peers > 1 then
      balancer.set_more_tries(#peers - 1)
    end
  elseif ctx.pb_peer then
    -- A retry: the last attempt failed (connect error, timeout, ...).
    local state = balancer.get_last_failure()
    if state == "failed" then
      marks:set("failed:" .. ctx.pb_peer, true, FAILED_TTL)
    end
    release(ctx)
  end
  local p = pick(tried)
  if not p then
    return ngx.exit(ngx.HTTP_BAD_GATEWAY)
  end
  tried[p.addr] = true
  local ok, err = balancer.set_current_peer(p.host, p.port)
  if not ok then
    ngx.log(ngx.ERR, "set_current_peer ", p.addr, ": ", err)
    return ngx.exit(ngx.HTTP_INTERNAL_SERVER_ERROR)
  end
  ctx.pb_peer = p.addr
  inflight[p.addr] = inflight[p.addr] + 1
end

-- header_filter notes an instance that announces its drain and hides the
-- announcement from clients.
function M.header_filter()
  if ngx.var.upstream_http_x_partsbin_draining then
    local addr = ngx.ctx.pb_peer
    if addr then
      marks:set("draining:" .. addr, true, DRAINING_TTL)
    end
    ngx.header["X-Partsbin-Draining"] = nil
  end
end

-- log releases the request's slot (log_by_lua).
function M.log()
  release(ngx.ctx)
end

-- state lists the instances and their marks (for the status page).
function M.state()
  local out = {}
  for _, p in ipairs(peers) do
    out[#out + 1] = string.format('{"addr":"%s","draining":%s,"failed":%s}', p.addr,
      marks:get("draining:" .. p.addr) and "true" or "false", marks:get("failed:" .. p.addr) and "true" or "false")
  end
  return "[" .. table.concat(out, ",") .. "]"
end

return M

-- partsbin sliding-window-log rate limiter.
--
-- One script for the edge (nginx + Lua, per client IP) and the server
-- (go-redis, per account). It is atomic because Redis runs a script as one
-- command, so concurrent callers cannot both take the last slot.
--
-- KEYS[1]  the log: a sorted set of admitted requests scored by time (us)
-- ARGV[1]  limit: requests admitted per window (>= 1)
-- ARGV[2]  window in milliseconds (>= 1)
-- ARGV[3]  cost: 1 records the request if admitted, 0 only looks
-- ARGV[4]  a caller-chosen unique id for this request (request id, nonce):
--          members stay unique even when two requests share a microsecond
--
-- Returns {allowed (0/1), remaining, retry_ms, count, reset_ms, now_us}:
--   retry_ms  how long until a slot frees up when the window is full (0
--             while there is room): Retry-After
--   reset_ms  how long until the oldest request leaves the window, i.e.
--             until `remaining` next grows (0 for an empty log): RateLimit-Reset
--   now_us    the Redis time of the decision, in microseconds
-- Time comes from Redis itself so every caller shares one clock; rejected
-- requests are not recorded, so a client that keeps hammering is not locked
-- out forever. The key expires one window after the last call.
local limit = tonumber(ARGV[1])
local window_us = tonumber(ARGV[2]) * 1000
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window_us)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  allowed = 1
  if cost > 0 then
    redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[4])
    count = count + 1
  end
end
if count > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end

local retry_ms = 0
if count >= limit then
  -- The slot that frees first belongs to the oldest request that still
  -- keeps the log full.
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  if oldest[2] then
    retry_ms = math.ceil((tonumber(oldest[2]) + window_us - now) / 1000)
    if retry_ms < 1 then retry_ms = 1 end
  end
end
local reset_ms = 0
if count > 0 then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  reset_ms = math.ceil((tonumber(first[2]) + window_us - now) / 1000)
  if reset_ms < 1 then reset_ms = 1 end
end
local remaining = limit - count
if remaining < 0 then remaining = 0 end
return {allowed, remaining, retry_ms, count, reset_ms, now}

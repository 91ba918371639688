-- Errors the edge answers itself (rate limited, body too large, no API
-- instance reachable), in the shape the caller's protocol expects, so that
-- generated clients surface a real error code and its details:
--
--   Connect unary, plain JSON, GET  HTTP status (429 for resource_exhausted)
--                                   with a Connect JSON error body
--   Connect streaming               HTTP 200 and an end-of-stream message
--     (application/connect+*)       carrying the error: Connect clients map a
--                                   non-200 stream response to `unavailable`
--   gRPC-Web (application/grpc-web*) trailers-only: HTTP 200, grpc-status in
--                                   the headers, empty body
--   gRPC (application/grpc*)        HTTP 200, empty body, grpc-status,
--                                   grpc-message, grpc-status-details-bin as
--                                   HTTP/2 trailers (named location
--                                   @pb_grpc_trailers: add_trailer)
--
-- Rate-limit errors carry a partsbin.common.v1.RetryInfo detail, like the
-- API's own resource_exhausted errors, and a Retry-After header.
local byte, char, fmt, find = string.byte, string.char, string.format, string.find
local floor, ceil, max = math.floor, math.ceil, math.max
local concat = table.concat

local M = {}

local grpc_codes = {
  canceled = 1, unknown = 2, invalid_argument = 3, deadline_exceeded = 4,
  not_found = 5, already_exists = 6, permission_denied = 7,
  resource_exhausted = 8, failed_precondition = 9, aborted = 10,
  out_of_range = 11, unimplemented = 12, internal = 13, unavailable = 14,
  data_loss = 15, unauthenticated = 16,
}

local retry_info_type = "partsbin.common.v1.RetryInfo"

-- Minimal protobuf encoding for the two messages the edge sends.
local function varint(n)
  local out = {}
  n = floor(n)
  repeat
    local b = n % 128
    n = floor(n / 128)
    if n > 0 then
      b = b + 128
    end
    out[#out + 1] = char(b)
  until n == 0
  return concat(out)
end

local function bytes_field(num, s)
  return char(num * 8 + 2) .. varint(#s) .. s
end

local function retry_info(ms)
  return "\8" .. varint(ms) -- retry_after_ms = 1
end

-- google.rpc.Status{code, message, details: [Any]}
local function rpc_status(code, message, details)
  local out = { "\8" .. varint(code), bytes_field(2, message) }
  for _, d in ipairs(details) do
    local any = bytes_field(1, "type.googleapis.com/" .. d.type) .. bytes_field(2, d.value)
    out[#out + 1] = bytes_field(3, any)
  end
  return concat(out)
end

local function json_string(s)
  s = s:gsub('[%c"\\]', function(c)
    if c == '"' then
      return '\\"'
    elseif c == "\\" then
      return "\\\\"
    end
    return fmt("\\u%04x", byte(c))
  end)
  return '"' .. s .. '"'
end

-- The Connect error JSON: {"code","message","details":[{type,value,debug}]}.
local function connect_json(code, message, details)
  local parts = {}
  for _, d in ipairs(details) do
    parts[#parts + 1] = '{"type":' .. json_string(d.type) .. ',"value":'
      .. json_string(ngx.encode_base64(d.value, true)) .. ',"debug":' .. d.debug .. '}'
  end
  local body = '{"code":' .. json_string(code) .. ',"message":' .. json_string(message)
  if #parts > 0 then
    body = body .. ',"details":[' .. concat(parts, ",") .. "]"
  end
  return body .. "}"
end

-- grpc-message is percent-encoded (gRPC over HTTP/2 spec).
local function percent_encode(s)
  return (s:gsub("[^\32-\36\38-\126]", function(c)
    return fmt("%%%02X", byte(c))
  end))
end

local expose = "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, RateLimit-Policy, "
  .. "Grpc-Status, Grpc-Message, Grpc-Status-Details-Bin, X-Request-Id"

-- A browser can read the edge's own errors only with CORS headers; they
-- hold nothing private, so any origin may read them. (Responses of the API
-- keep the API's CORS policy.)
local function cors()
  local origin = ngx.var.http_origin
  if origin and origin ~= "" then
    ngx.header["Access-Control-Allow-Origin"] = origin
    ngx.header["Access-Control-Expose-Headers"] = expose
    ngx.header["Vary"] = "Origin"
  end
end

local function starts(s, prefix)
  return find(s, prefix, 1, true) == 1
end

-- send answers the request with a Connect error and ends it.
--   code      Connect code name ("resource_exhausted")
--   status    HTTP status for the Connect unary / plain HTTP shape
--   details   list of {type, value (bytes), debug (JSON)}
function M.send(code, status, message, details)
  details = details or {}
  cors()
  ngx.header["Cache-Control"] = "no-store"
  ngx.header["X-Request-Id"] = ngx.var.pb_request_id
  local ct = ngx.var.http_content_type or ""
  local grpc_code = grpc_codes[code] or 2

  if starts(ct, "application/grpc-web") then
    ngx.status = 200
    ngx.header["Content-Type"] = ct:match("^[^;]+")
    ngx.header["Grpc-Status"] = tostring(grpc_code)
    ngx.header["Grpc-Message"] = percent_encode(message)
    ngx.header["Grpc-Status-Details-Bin"] = ngx.encode_base64(rpc_status(grpc_code, message, details), true)
    ngx.header["Content-Length"] = "0"
    ngx.send_headers()
    return ngx.exit(ngx.HTTP_OK)
  end

  if starts(ct, "application/grpc") then
    ngx.var.pb_grpc_status = tostring(grpc_code)
    ngx.var.pb_grpc_message = percent_encode(message)
    ngx.var.pb_grpc_details = ngx.encode_base64(rpc_status(grpc_code, message, details), true)
    return ngx.exec("@pb_grpc_trailers")
  end

  local body = connect_json(code, message, details)
  if starts(ct, "application/connect+") then
    -- End-of-stream envelope: flags 0x02, big-endian length, JSON.
    local json = '{"error":' .. body .. "}"
    local n = #json
    local prefix = char(2, floor(n / 16777216) % 256, floor(n / 65536) % 256, floor(n / 256) % 256, n % 256)
    ngx.status = 200
    ngx.header["Content-Type"] = ct:match("^[^;]+")
    ngx.header["Content-Length"] = tostring(#prefix + n)
    ngx.print(prefix, json)
    return ngx.exit(ngx.HTTP_OK)
  end

  ngx.status = status
  ngx.header["Content-Type"] = "application/json"
  ngx.header["Content-Length"] = tostring(#body + 1)
  ngx.print(body, "\n")
  return ngx.exit(ngx.HTTP_OK)
end

-- rate_limited answers 429 / resource_exhausted with the retry delay.
function M.rate_limited(class, retry_ms)
  retry_ms = max(1, retry_ms)
  local secs = max(1, ceil(retry_ms / 1000))
  ngx.header["Retry-After"] = tostring(secs)
  local msg = fmt("too many %s requests from your address, retry in %d s", class, secs)
  return M.send("resource_exhausted", 429, msg, {
    { type = retry_info_type, value = retry_info(retry_ms), debug = '{"retryAfterMs":"' .. fmt("%d", retry_ms) .. '"}' },
  })
end

-- edge_error answers the errors nginx raises itself (error_page).
function M.edge_error(status)
  if status == 413 then
    return M.send("resource_exhausted", 413, "request body too large")
  end
  ngx.header["Retry-After"] = "1"
  return M.send("unavailable", 503, "no API instance is reachable, retry shortly", {
    { type = retry_info_type, value = retry_info(1000), debug = '{"retryAfterMs":"1000"}' },
  })
end

return M

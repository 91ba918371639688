-- A small Redis client over ngx_lua cosockets (lua-resty-redis is not
-- packaged in Debian): RESP2 encoding, one command per round trip,
-- connections pooled per worker with setkeepalive.
local tcp = ngx.socket.tcp
local concat = table.concat
local tostring = tostring
local tonumber = tonumber
local sub = string.sub

local M = {}

local function encode(args)
  local out = { "*" .. #args .. "\r\n" }
  for i = 1, #args do
    local a = tostring(args[i])
    out[#out + 1] = "$" .. #a .. "\r\n" .. a .. "\r\n"
  end
  return concat(out)
end

-- read_reply returns value; or nil, message, true for a Redis error reply;
-- or nil, message for an I/O or protocol error.
local function read_reply(sock)
  local line, err = sock:receive("*l")
  if not line then
    return nil, err
  end
  local kind, rest = sub(line, 1, 1), sub(line, 2)
  if kind == ":" then
    return tonumber(rest)
  elseif kind == "+" then
    return rest
  elseif kind == "-" then
    return nil, rest, true
  elseif kind == "$" then
    local n = tonumber(rest)
    if not n then
      return nil, "bad bulk length"
    end
    if n < 0 then
      return ngx.null
    end
    local data, rerr = sock:receive(n + 2)
    if not data then
      return nil, rerr
    end
    return sub(data, 1, n)
  elseif kind == "*" then
    local n = tonumber(rest)
    if not n then
      return nil, "bad array length"
    end
    if n < 0 then
      return ngx.null
    end
    local arr = {}
    for i = 1, n do
      local v, verr, is_redis = read_reply(sock)
      if v == nil then
        if is_redis then
          v = { err = verr }
        else
          return nil, verr
        end
      end
      arr[i] = v
    end
    return arr
  end
  return nil, "unknown reply type " .. kind
end

-- parse_url parses redis://[user:password@]host:port[/db].
function M.parse_url(url)
  local rest = url:match("^redis://(.+)$")
  if not rest then
    return nil, "want redis://[user:password@]host:port[/db], got " .. url
  end
  local conf = { db = 0 }
  local userinfo, hostpart = rest:match("^(.*)@([^@]*)$")
  if userinfo then
    local user, pw = userinfo:match("^([^:]*):(.*)$")
    if user then
      conf.user, conf.password = user, pw
    else
      conf.password = userinfo
    end
    if conf.user == "" or conf.user == "default" then
      conf.user = nil
    end
    if conf.password == "" then
      conf.password = nil
    end
    if conf.password then
      conf.password = ngx.unescape_uri(conf.password)
    end
    rest = hostpart
  end
  local host, port, db = rest:match("^([^:/]+):(%d+)/?(%d*)$")
  if not host then
    return nil, "want host:port in " .. url
  end
  conf.host, conf.port = host, tonumber(port)
  if db ~= "" then
    conf.db = tonumber(db)
  end
  conf.pool = "pb_redis:" .. host .. ":" .. port .. ":" .. conf.db
  return conf
end

-- Client holds the connection settings; every call takes a pooled
-- connection and gives it back.
local Client = {}
Client.__index = Client

function M.new(conf, timeout_ms)
  return setmetatable({ conf = conf, timeout = timeout_ms or 500 }, Client)
end

local function connect(self)
  local c = self.conf
  local sock = tcp()
  sock:settimeouts(self.timeout, self.timeout, self.timeout)
  local ok, err = sock:connect(c.host, c.port, { pool = c.pool, pool_size = 64, backlog = 1024 })
  if not ok then
    return nil, "connect " .. c.host .. ":" .. c.port .. ": " .. tostring(err)
  end
  if sock:getreusedtimes() == 0 then
    local setup = {}
    if c.password then
      setup[#setup + 1] = c.user and { "AUTH", c.user, c.password } or { "AUTH", c.password }
    end
    if c.db ~= 0 then
      setup[#setup + 1] = { "SELECT", c.db }
    end
    for _, cmd in ipairs(setup) do
      local sent, serr = sock:send(encode(cmd))
      if not sent then
        sock:close()
        return nil, serr
      end
      local res, rerr = read_reply(sock)
      if res == nil then
        sock:close()
        return nil, cmd[1] .. ": " .. tostring(rerr)
      end
    end
  end
  return sock
end

-- call runs the commands in order on one connection, stopping at the first
-- that answers; each is a list of arguments. It returns the reply, or nil,
-- message, is_redis_error. `next_if` decides whether a Redis error reply
-- falls through to the next command (EVALSHA -> EVAL on NOSCRIPT).
function Client:call(cmds, next_if)
  local sock, err = connect(self)
  if not sock then
    return nil, err
  end
  local res, rerr, is_redis
  for i = 1, #cmds do
    local sent, serr = sock:send(encode(cmds[i]))
    if not sent then
      sock:close()
      return nil, serr
    end
    res, rerr, is_redis = read_reply(sock)
    if res == nil and not is_redis then
      sock:close()
      return nil, rerr
    end
    if res ~= nil or not (next_if and next_if(rerr)) then
      break
    end
  end
  sock:setkeepalive(60000)
  return res, rerr, is_redis
end

M.encode = encode
return M

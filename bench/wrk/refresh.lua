-- POST the URL (/auth/refresh) with a refresh cookie and the CSRF header.
-- The cookies form a pool, one "name=value" per line of BENCH_COOKIE_FILE, each from its own
-- session: a request takes one, and the rotated cookie of its response goes back. Seed more
-- cookies than connections. A response without a usable cookie (an error clears it) loses
-- that session; when the pool runs dry an initial cookie is reused, which the service treats
-- as token reuse (401), so the run shows errors instead of silently measuring failures.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local pool, head, tail, initial = {}, 1, 0, {}

function init(args)
   local path = assert(os.getenv("BENCH_COOKIE_FILE"), "BENCH_COOKIE_FILE not set")
   for line in io.lines(path) do
      if line ~= "" then
         tail = tail + 1
         pool[tail] = line
         initial[#initial + 1] = line
      end
   end
   assert(#initial > 0, "no cookies in " .. path)
end

local headers = { ["X-Requested-With"] = "XMLHttpRequest", ["Accept"] = "application/json" }

function request()
   local cookie
   if head <= tail then
      cookie = pool[head]; pool[head] = nil; head = head + 1
   else
      cookie = initial[math.random(#initial)]
   end
   headers["Cookie"] = cookie
   return wrk.format("POST", nil, headers, "")
end

function response(status, response_headers, body)
   local set_cookie = response_headers["set-cookie"] or response_headers["Set-Cookie"]
   if status == 200 and set_cookie then
      local pair = string.match(set_cookie, "^%s*([^;]+)")
      if pair and not string.match(pair, "=$") then
         tail = tail + 1; pool[tail] = pair
      end
   end
end

done = common.done

-- GET the URL, with "Authorization: Bearer $BENCH_TOKEN" when BENCH_TOKEN is set; with
-- BENCH_DELAY_MS each connection pauses that long between requests (a paced probe).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local token = os.getenv("BENCH_TOKEN")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0

wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
if token and token ~= "" then
   wrk.headers["Authorization"] = "Bearer " .. token
end

if delay_ms > 0 then
   function delay()
      return delay_ms
   end
end

done = common.done

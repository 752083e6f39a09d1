-- Shared by the scripts here: one machine-readable line per run, read by bench/load.py.
--   BENCHJSON {"requests":..,"rps":..,"lat_p50_us":..,"lat_p99_us":..,"err_status":..,...}
--   A script that sets `setup = common.setup` and `response = common.count_status` also gets
--   "statuses":{"200":..,"503":..}, the responses by status over every thread.
local M = {}
local threads = {}

function M.setup(thread)
   table.insert(threads, thread)
end

function M.count_status(status, headers, body)
   statuses = statuses or {}  -- a global of this thread's own Lua state, read back by done()
   statuses[status] = (statuses[status] or 0) + 1
end

local function statuses_json()
   local totals, keys, parts = {}, {}, {}
   for _, thread in ipairs(threads) do
      for status, count in pairs(thread:get("statuses") or {}) do
         if totals[status] == nil then table.insert(keys, status) end
         totals[status] = (totals[status] or 0) + count
      end
   end
   if #keys == 0 then return "" end
   table.sort(keys)
   for _, status in ipairs(keys) do
      table.insert(parts, string.format('"%d":%d', status, totals[status]))
   end
   return ',"statuses":{' .. table.concat(parts, ",") .. '}'
end

function M.done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      'BENCHJSON {"requests":%d,"duration_s":%.3f,"rps":%.3f,' ..
      '"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_mean_us":%.1f,"lat_max_us":%d,' ..
      '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d%s}\n',
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout, statuses_json()))
end

function M.json_str(s)
   return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

return M

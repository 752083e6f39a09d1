-- Shared by the scripts here: one machine-readable line per run, read by bench/load.py.
--   BENCHJSON {"requests":..,"rps":..,"lat_p50_us":..,"lat_p99_us":..,"err_status":..,...}
local M = {}

function M.done(summary, latency, requests)
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      'BENCHJSON {"requests":%d,"duration_s":%.3f,"rps":%.3f,' ..
      '"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_mean_us":%.1f,"lat_max_us":%d,' ..
      '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
      summary.requests, secs, summary.requests / secs,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end

function M.json_str(s)
   return '"' .. string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end) .. '"'
end

return M

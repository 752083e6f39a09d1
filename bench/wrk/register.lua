-- POST {"email": "<BENCH_PREFIX>-<thread>-<n>@example.com", "password": $BENCH_PASSWORD}: a new
-- address per request. BENCH_PREFIX must differ per run (bench/run.py puts round and time in it).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local prefix = assert(os.getenv("BENCH_PREFIX"), "BENCH_PREFIX not set")
local password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD not set")
local threads_seen, thread_no, counter = 0, 0, 0
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }

function setup(thread)
   threads_seen = threads_seen + 1
   thread:set("thread_no", threads_seen)
end

function init(args)
   thread_no = tonumber(wrk.thread:get("thread_no")) or 0
end

function request()
   counter = counter + 1
   local email = string.format("%s-%d-%d@example.com", prefix, thread_no, counter)
   local body = '{"email":' .. common.json_str(email) .. ',"password":' .. common.json_str(password) .. '}'
   return wrk.format("POST", nil, headers, body)
end

done = common.done

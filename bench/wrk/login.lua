-- POST the same JSON credentials every time: {"email": $BENCH_EMAIL, "password": $BENCH_PASSWORD}.
-- Counts the responses by status ("statuses" in the BENCHJSON line).
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local email = assert(os.getenv("BENCH_EMAIL"), "BENCH_EMAIL not set")
local password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD not set")

wrk.method = "POST"
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":' .. common.json_str(email) .. ',"password":' .. common.json_str(password) .. '}'

setup = common.setup
response = common.count_status  -- completed (200) and refused (503) logins, told apart
done = common.done

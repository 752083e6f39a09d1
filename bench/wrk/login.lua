-- POST the same JSON credentials every time: {"email": $BENCH_EMAIL, "password": $BENCH_PASSWORD}.
local common = dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
local email = assert(os.getenv("BENCH_EMAIL"), "BENCH_EMAIL not set")
local password = assert(os.getenv("BENCH_PASSWORD"), "BENCH_PASSWORD not set")

wrk.method = "POST"
wrk.headers["Accept"] = "application/json"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":' .. common.json_str(email) .. ',"password":' .. common.json_str(password) .. '}'

done = common.done

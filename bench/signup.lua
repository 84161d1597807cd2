-- POST /api/v1/users as fast as the connections go, each request a new address
-- (flood-<run>-<thread>-<n>@bench.example, $BENCH_RUN tells runs apart): a signup flood. Every
-- signup hashes a password; those beyond summitd's hashing capacity get 503 "overloaded"
-- (counted as `shed`).
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")
local run, n

function init(args)
   run = os.getenv("BENCH_RUN") or "0"
   n = 0
end

function request()
   n = n + 1
   local body = string.format(
      '{"email":"flood-%s-%d-%d@bench.example","password":"bench-password-1",' ..
      '"display_name":"洪水 %d","role":"attendee"}', run, tid, n, n)
   return wrk.format("POST", "/api/v1/users", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   count(status, body)
end

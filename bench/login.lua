-- POST /api/v1/auth/login over the accounts bench-l<n>@bench.example (n < $BENCH_LOGIN_USERS),
-- all with the password $BENCH_PASSWORD.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")
local n, pw, i

function init(args)
   n = tonumber(os.getenv("BENCH_LOGIN_USERS") or "1")
   pw = os.getenv("BENCH_PASSWORD")
   i = tid * 7919
end

function request()
   i = i + 1
   local body = string.format('{"email":"bench-l%d@bench.example","password":"%s"}', i % n, pw)
   return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
   count(status, body)
end

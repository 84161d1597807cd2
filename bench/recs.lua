-- GET /api/v1/projects/{id}/recommendations?limit=10 over the projects in $BENCH_IDS, with a
-- Bearer token from $BENCH_TOKENS (an enterprise member).
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")
local ids, auth, i

function init(args)
   ids = read_list(os.getenv("BENCH_IDS"))
   auth = "Bearer " .. read_list(os.getenv("BENCH_TOKENS"))[1]
   i = tid * 7919
end

function request()
   i = i + 1
   return wrk.format("GET", "/api/v1/projects/" .. ids[(i % #ids) + 1] ..
                     "/recommendations?limit=10", { ["Authorization"] = auth })
end

function response(status, headers, body)
   count(status, body)
end

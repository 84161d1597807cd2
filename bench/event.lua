-- GET /api/v1/events/{id} over the published events listed in $BENCH_IDS (one id a line),
-- each wrk thread starting at its own offset.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")
local ids, i

function init(args)
   ids = read_list(os.getenv("BENCH_IDS"))
   i = tid * 7919
end

function request()
   i = i + 1
   return wrk.format("GET", "/api/v1/events/" .. ids[(i % #ids) + 1])
end

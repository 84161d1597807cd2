-- GET /api/v1/me with the attendee tokens listed in $BENCH_TOKENS ("<id> <token>" a line), each
-- wrk thread starting at its own offset: a worker route (Redis for the token, MySQL for the row)
-- that hashes nothing.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")
local tokens, i

function init(args)
   tokens = read_list(os.getenv("BENCH_TOKENS"))
   i = tid * 7919
end

function request()
   i = i + 1
   return wrk.format("GET", "/api/v1/me",
                     { ["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] })
end

function response(status, headers, body)
   count(status, body)
end

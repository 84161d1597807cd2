-- POST /api/v1/sessions/{id}/registrations: request k of thread t is global number
-- g = t + T*k (T = $BENCH_WRK_THREADS); it registers user g // S for session g % S, where the S
-- sessions are listed in $BENCH_IDS and the users' tokens in $BENCH_TOKENS. So no (user, session)
-- pair repeats until the users run out (a run that is one of several rounds starts at g =
-- $BENCH_OFFSET, its own slice of $BENCH_SLICE pairs); then the script wraps and counts `wrapped`
-- (the 409s that follow are the data set's fault, not summitd's). Past its slice a round reuses
-- the next round's pairs, which that round then finds taken: counted as `wrapped` too.
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")
local sessions, tokens, T, k, offset, slice
wrapped = 0

function init(args)
   sessions = read_list(os.getenv("BENCH_IDS"))
   tokens = read_list(os.getenv("BENCH_TOKENS"))
   T = tonumber(os.getenv("BENCH_WRK_THREADS") or "1")
   k = 0
   offset = tonumber(os.getenv("BENCH_OFFSET") or "0")
   slice = tonumber(os.getenv("BENCH_SLICE") or "0")
end

function request()
   local g = offset + tid + T * k
   k = k + 1
   local u = math.floor(g / #sessions)
   if u >= #tokens or (slice > 0 and g - offset >= slice) then
      wrapped = wrapped + 1 -- a pair used already, or another round's
   end
   u = u % #tokens
   local s = sessions[(g % #sessions) + 1]
   return wrk.format("POST", "/api/v1/sessions/" .. s .. "/registrations",
                     { ["Authorization"] = "Bearer " .. tokens[u + 1],
                       ["Content-Type"] = "application/json" }, "{}")
end

function response(status, headers, body)
   count(status, body)
end

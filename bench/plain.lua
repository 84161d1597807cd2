-- GET of the URL given to wrk (GET /healthz, the HTTP floor).
dofile((os.getenv("BENCH_DIR") or "bench") .. "/common.lua")

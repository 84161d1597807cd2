-- Shared by the wrk scripts of `make bench`: numbers every wrk thread, counts statuses when a
-- script calls count(status, body), and prints one machine-readable line at the end:
--   BENCHJSON {"requests":…,"seconds":…,"rps":…,"p50_ms":…,"p99_ms":…,"non2xx":…,
--              "socket_errors":…,"codes":{"201":…},"full":…,"shed":…}
-- (full: 409 session_full; shed: 503 overloaded, load summitd refused on purpose.)
local threads = {}
local nthreads = 0

function setup(thread)
   thread:set("tid", nthreads)
   nthreads = nthreads + 1
   table.insert(threads, thread)
end

codes = {}
full = 0
shed = 0

function count(status, body)
   local k = tostring(status)
   codes[k] = (codes[k] or 0) + 1
   if status == 409 and body and string.find(body, "session_full", 1, true) then
      full = full + 1
   end
   if status == 503 and body and string.find(body, "overloaded", 1, true) then
      shed = shed + 1
   end
end

-- Reads "<anything> <value>" or "<value>" lines into a list (the last field of each line).
function read_list(path)
   local list = {}
   local f = assert(io.open(path, "r"), "cannot open " .. path)
   for line in f:lines() do
      local v = string.match(line, "(%S+)%s*$")
      if v then table.insert(list, v) end
   end
   f:close()
   assert(#list > 0, path .. " is empty")
   return list
end

function done(summary, latency, requests)
   local all, nfull, nwrapped, nshed = {}, 0, 0, 0
   for _, t in ipairs(threads) do
      local c = t:get("codes")
      if type(c) == "table" then
         for k, v in pairs(c) do all[k] = (all[k] or 0) + v end
      end
      nfull = nfull + (tonumber(t:get("full")) or 0)
      nwrapped = nwrapped + (tonumber(t:get("wrapped")) or 0)
      nshed = nshed + (tonumber(t:get("shed")) or 0)
   end
   local parts = {}
   for k, v in pairs(all) do table.insert(parts, string.format('"%s":%d', k, v)) end
   local e = summary.errors
   local secs = summary.duration / 1e6
   io.write(string.format(
      'BENCHJSON {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_ms":%.3f,"p99_ms":%.3f,' ..
      '"non2xx":%d,"socket_errors":%d,"timeouts":%d,"codes":{%s},"full":%d,"wrapped":%d,' ..
      '"shed":%d}\n',
      summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000,
      latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout,
      e.timeout, table.concat(parts, ","), nfull, nwrapped, nshed))
end

-- wrk request hook: every request gets a fresh Idempotency-Key shaped like the gateway's (a
-- quoted UUID), so that a web node measured alone pays what a hit through the gateway pays:
-- the hit script records every key (issue #24). One thread (bench.mjs runs wrk -t1): the
-- counter is unique; the random prefix keeps the warm-up's and the run's keys apart.
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
local prefix = math.random(0, 0x7fffffff)
local n = 0

request = function()
  n = n + 1
  return wrk.format(nil, nil, {
    ["Idempotency-Key"] = string.format('"%08x-0000-4000-8000-%012x"', prefix, n),
  })
end

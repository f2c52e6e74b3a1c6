-- wrk script: request a random product id in 1..BENCH_PRODUCTS under the path prefix given as the first argument.
local prefix = "/api/v1/catalog/products/"
local max = tonumber(os.getenv("BENCH_PRODUCTS") or "1000")

function init(args)
  if args[1] then prefix = args[1] end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  return wrk.format("GET", prefix .. math.random(1, max))
end

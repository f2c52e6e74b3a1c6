-- wrk script: each request places an order of one unit of a random SKU (1..BENCH_SKUS) for a random shopper whose
-- bearer token is one line of the file BENCH_TOKENS.
local tokens = {}
local skus = tonumber(os.getenv("BENCH_SKUS") or "4000")

function init(args)
  for line in io.lines(os.getenv("BENCH_TOKENS")) do tokens[#tokens + 1] = line end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local body = '{"lines":[{"skuId":' .. math.random(1, skus) .. ',"quantity":1}]}'
  return wrk.format("POST", "/api/v1/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[math.random(1, #tokens)],
  }, body)
end

-- wrk script: flash-sale attempts on item ITEM, one unit each, a fresh attempt key per request, the shoppers' bearer
-- tokens (one per line of the file TOKENS) taken in turn. 202 (admitted), 201 (ordered at once) and 409 (sold out or
-- over the limit) are the answers a sale gives; anything else is counted as an error in done().
local tokens, path, counter, thread_id = {}, "", 0, 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do table.insert(tokens, line) end
  path = "/api/plugins/flashsale/items/" .. os.getenv("ITEM") .. "/attempts"
  thread_id = id
  counter = 0
  bad = 0
end

function request()
  counter = counter + 1
  local token = tokens[((counter * 7919 + thread_id * 104729) % #tokens) + 1]
  local body = '{"quantity":1,"key":"w' .. thread_id .. '-' .. counter .. '"}'
  return wrk.format("POST", path, { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status ~= 202 and status ~= 201 and status ~= 409 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  io.write(string.format("unexpected_statuses %d\n", total))
end

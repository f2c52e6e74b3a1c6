#!/usr/bin/env bash
# Flash-sale admission: starts bench/Mall.Bench.Http with the flash-sale plugin installed, a session of BENCH_UNITS
# units (limit BENCH_LIMIT per shopper) and BENCH_SHOPPERS shoppers with tokens, then drives
# POST /api/plugins/flashsale/items/{id}/attempts with wrk (a fresh attempt key per request). Two hosts in the same
# run, on the same machine: with Redis (Lua admission, orders from the stream) and without it (every attempt an order
# transaction). Baseline: /plaintext of the same host, measured in the same run. After each run it waits for the
# queue to drain and checks that exactly the units admitted were sold (with Redis: exactly BENCH_UNITS, Redis at 0).
# Settings: BENCH_PROVIDER (PostgreSql), BENCH_DURATION (10s), BENCH_CONNECTIONS (64), BENCH_THREADS (2),
# BENCH_UNITS (20000), BENCH_LIMIT (10), BENCH_SHOPPERS (5000), BENCH_QUEUE_PARALLELISM (4: the plugin's setting).
set -euo pipefail
cd "$(dirname "$0")/.."

provider=${BENCH_PROVIDER:-PostgreSql}
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-64}
threads=${BENCH_THREADS:-2}
units=${BENCH_UNITS:-20000}
limit=${BENCH_LIMIT:-10}
shoppers=${BENCH_SHOPPERS:-5000}
parallelism=${BENCH_QUEUE_PARALLELISM:-4}
export BENCH_PRODUCTS=20
export Mall__Admin__ApiKey=bench-admin-key

# shellcheck source=../eng/test-services.sh
source eng/test-services.sh
# shellcheck source=bench-host.sh
source bench/bench-host.sh
bench_setup
dotnet build plugins/Mall.Plugins.FlashSale -c Release -v quiet -nologo >/dev/null
package=$(ls plugins/Mall.Plugins.FlashSale/bin/Release/*.mallplugin | head -1)
admin=(-H "X-Mall-Admin-Key: $Mall__Admin__ApiKey")
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

mkdir -p bench/results
report=bench/results/flashsale-$(date -u +%Y%m%d-%H%M%S).md
{
  echo "wrk -t$threads -c$connections -d$duration; $provider; $units units, limit $limit, $shoppers shoppers, queue parallelism $parallelism; $(nproc) cores; $(date -u +%Y-%m-%d)"
  echo
  echo "| path | plaintext req/s | attempts/s | attempts / plaintext | attempts | admitted (202/201) | sold + reserved after the queue drained | Redis available | p99 latency |"
  echo "|---|---|---|---|---|---|---|---|---|"
} >"$report"

for mode in redis database; do
  if [ "$mode" = redis ]; then export Mall__Redis__Configuration=$MALL_TEST_REDIS Mall__Redis__KeyPrefix="bench$RANDOM:"; else unset Mall__Redis__Configuration; fi
  bench_start_host "$provider" "flash_$mode" 200
  curl -sS --fail-with-body "${admin[@]}" -H "Content-Type: application/zip" --data-binary "@$package" "$base/api/admin/plugins" >/dev/null
  curl -sS --fail-with-body "${admin[@]}" -X POST "$base/api/admin/plugins/Mall.Plugins.FlashSale/install?enable=true" >/dev/null
  curl -sS --fail-with-body "${admin[@]}" -X PUT -H "Content-Type: application/json" -d "{\"queueParallelism\": $parallelism}" "$base/api/admin/plugins/Mall.Plugins.FlashSale/settings" >/dev/null
  sku=$(curl -sS --fail-with-body "$base/api/v1/catalog/products/1" | json 'd["skus"][0]["id"]')
  curl -sS --fail-with-body "${admin[@]}" -H "Content-Type: application/json" -d "{\"delta\": $units, \"reason\": \"flash sale bench\", \"reference\": \"bench-flash\"}" "$base/api/admin/inventory/skus/$sku/adjustments" >/dev/null
  starts=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ) ends=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
  session=$(curl -sS --fail-with-body "${admin[@]}" -H "Content-Type: application/json" \
    -d "{\"name\":\"bench\",\"startsAt\":\"$starts\",\"endsAt\":\"$ends\",\"items\":[{\"skuId\":$sku,\"flashPrice\":1,\"flashStock\":$units,\"perShopperLimit\":$limit}]}" \
    "$base/api/plugins/flashsale/admin/sessions")
  session_id=$(json 'd["id"]' <<<"$session") item=$(json 'd["items"][0]["id"]' <<<"$session")
  curl -sS --fail-with-body "${admin[@]}" -X POST "$base/bench/shoppers?count=$shoppers" >"$MALL_SERVICES_DIR/tokens"
  export TOKENS=$MALL_SERVICES_DIR/tokens ITEM=$item

  wrk -t1 -c8 -d3s "$base/plaintext" >/dev/null
  plaintext=$(wrk -t"$threads" -c"$connections" -d"$duration" "$base/plaintext" | awk '/Requests\/sec/ {print $2}')
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s bench/flashsale-attempt.lua "$base")
  echo "$out" >&2
  unexpected=$(awk '/unexpected_statuses/ {print $2}' <<<"$out")
  [ "${unexpected:-1}" = 0 ] || { echo "unexpected answers in the $mode run" >&2; exit 1; }
  attempts_per_second=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  attempts=$(awk '/requests in/ {print $1}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")

  # Wait for the queue to drain: sold + reserved stops changing.
  previous=-1
  for _ in $(seq 1 600); do
    state=$(curl -sS --fail-with-body "${admin[@]}" "$base/api/plugins/flashsale/admin/sessions/$session_id")
    taken=$(json 'd["session"]["items"][0]["sold"] + d["session"]["items"][0]["reserved"]' <<<"$state")
    [ "$taken" = "$previous" ] && [ "$mode" = database -o "$taken" = "$units" ] && break
    previous=$taken; sleep 1
  done
  left=$(json 'd["redisAvailable"][list(d["redisAvailable"])[0]]' <<<"$state")
  if [ "$mode" = redis ] && { [ "$taken" != "$units" ] || [ "$left" != 0 ]; }; then echo "redis run: $taken sold+reserved, Redis $left left; expected exactly $units and 0" >&2; exit 1; fi
  echo "| $mode | $plaintext | $attempts_per_second | $(awk -v a="$attempts_per_second" -v b="$plaintext" 'BEGIN { printf "%.2f", a / b }') | $attempts | $([ "$mode" = redis ] && echo "$units (sold out)" || echo "$taken") | $taken | $left | $p99 |" >>"$report"
  bench_stop_host
done

cat "$report"
echo
echo "(written to $report)"

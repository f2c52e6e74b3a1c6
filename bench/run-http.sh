#!/usr/bin/env bash
# HTTP benchmarks: for each database, starts bench/Mall.Bench.Http (Release) on a seeded catalog and drives each
# endpoint with wrk from this machine's loopback. Baselines are measured in the same run on the same host:
#   /plaintext, /json               hello-world endpoints
#   /raw/products/{id}              the same product-by-id queries with plain ADO.NET
#   /api/v1/catalog/products/{id}   Mall's storefront product endpoint, measured twice: on a host with the catalog
#                                   cache off (Mall__Caching__Enabled=false: every request is a miss) and on one with
#                                   it on (the default: after the warm-up every product is a hit; stock figures are
#                                   re-read once a second per product)
# Product ids are random in 1..BENCH_PRODUCTS. Results: a Markdown table on stdout and in bench/results/.
# Settings (environment): BENCH_PROVIDERS ("Sqlite MySql PostgreSql"), BENCH_DURATION (10s), BENCH_CONNECTIONS (32),
# BENCH_THREADS (1), BENCH_PRODUCTS (1000), BENCH_ROUNDS (2: endpoints are measured in interleaved rounds and the
# mean is reported, so that drift during the run does not favour one endpoint).
set -euo pipefail
cd "$(dirname "$0")/.."

providers=${BENCH_PROVIDERS:-"Sqlite MySql PostgreSql"}
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-1}
rounds=${BENCH_ROUNDS:-2}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-1000}

# shellcheck source=../eng/test-services.sh
source eng/test-services.sh
# shellcheck source=bench-host.sh
source bench/bench-host.sh
bench_setup

# measure <url> [lua prefix] -> "requests/second timeouts"; any non-2xx answer fails the run (a wrong answer is no
# benchmark), a socket error or timeout is counted and reported.
measure() {
  local url=$1 prefix=${2:-} out
  if [ -n "$prefix" ]; then
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" -s bench/random-id.lua "$url" -- "$prefix")
  else
    out=$(wrk -t"$threads" -c"$connections" -d"$duration" "$url")
  fi
  if grep -q "Non-2xx" <<<"$out"; then echo "wrk saw non-2xx answers from $url:" >&2; echo "$out" >&2; exit 1; fi
  local errors
  errors=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") ${errors:-0}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mean() { awk '{ s += $1 } END { printf "%.0f", s / NR }'; }

mkdir -p bench/results
report=bench/results/http-$(date -u +%Y%m%d-%H%M%S).md
{
  echo "wrk -t$threads -c$connections -d$duration, mean of $rounds interleaved rounds, $BENCH_PRODUCTS products × 4 SKUs, random ids; $(nproc) cores; $(date -u +%Y-%m-%d)"
  echo
  echo "| database | plaintext req/s | JSON req/s | raw ADO.NET by id req/s | Mall by id, cache miss req/s | miss / raw ADO.NET | Mall by id, cache hit req/s | hit / JSON | wrk socket errors |"
  echo "|---|---|---|---|---|---|---|---|---|"
} >"$report"

for provider in $providers; do
  # The cache-hit host runs first, on its own database; then the cache-off host for the other figures.
  bench_start_host "$provider" mall_bench_hit 200
  curl -sf "$base/api/v1/catalog/products/1" >/dev/null
  wrk -t1 -c8 -d3s "$base/json" >/dev/null
  wrk -t1 -c8 -d5s -s bench/random-id.lua "$base" -- /api/v1/catalog/products/ >/dev/null
  : >"$MALL_SERVICES_DIR/hit"
  for ((round = 0; round < rounds; round++)); do
    echo "json $(measure "$base/json")" >>"$MALL_SERVICES_DIR/hit"
    echo "hit $(measure "$base" /api/v1/catalog/products/)" >>"$MALL_SERVICES_DIR/hit"
  done
  bench_stop_host
  hit_json=$(awk '$1 == "json" { print $2 }' "$MALL_SERVICES_DIR/hit" | mean)
  hit=$(awk '$1 == "hit" { print $2 }' "$MALL_SERVICES_DIR/hit" | mean)

  Mall__Caching__Enabled=false bench_start_host "$provider" mall_bench 200
  curl -sf "$base/api/v1/catalog/products/1" >/dev/null
  curl -sf "$base/raw/products/1" >/dev/null

  # Warm up every endpoint (JIT, tiered compilation, connection pools), then measure.
  for path in /plaintext /json; do wrk -t1 -c8 -d3s "$base$path" >/dev/null; done
  wrk -t1 -c8 -d3s -s bench/random-id.lua "$base" -- /raw/products/ >/dev/null
  wrk -t1 -c8 -d3s -s bench/random-id.lua "$base" -- /api/v1/catalog/products/ >/dev/null
  : >"$MALL_SERVICES_DIR/rps"
  for ((round = 0; round < rounds; round++)); do
    for name in plaintext json raw mall; do
      case $name in
        plaintext) result=$(measure "$base/plaintext") ;;
        json) result=$(measure "$base/json") ;;
        raw) result=$(measure "$base" /raw/products/) ;;
        mall) result=$(measure "$base" /api/v1/catalog/products/) ;;
      esac
      echo "$name $result" >>"$MALL_SERVICES_DIR/rps"
    done
  done
  pick() { awk -v k="$1" '$1 == k { print $2 }' "$MALL_SERVICES_DIR/rps" | mean; }
  plaintext=$(pick plaintext) json=$(pick json) raw=$(pick raw) mall=$(pick mall)
  errors=$(awk '{ s += $3 } END { print s + 0 }' "$MALL_SERVICES_DIR/rps")
  echo "$provider: $(tr '\n' ' ' <"$MALL_SERVICES_DIR/rps")" >&2
  errors=$((errors + $(awk '{ s += $3 } END { print s + 0 }' "$MALL_SERVICES_DIR/hit")))
  echo "$provider (cache hit host): $(tr '\n' ' ' <"$MALL_SERVICES_DIR/hit")" >&2
  echo "| $provider | $plaintext | $json | $raw | $mall | $(ratio "$mall" "$raw") | $hit | $(ratio "$hit" "$hit_json") | $errors |" >>"$report"
  bench_stop_host
done

cat "$report"
echo
echo "(written to $report)"

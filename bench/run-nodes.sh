#!/usr/bin/env bash
# Two nodes vs one for catalog reads (recorded, not a goal: on one box both nodes share its cores). Starts
# bench/Mall.Bench.Http on PostgreSQL with Redis, measures product-by-id (cache hits) with wrk against it alone, then
# starts a second node on the same database and Redis and measures both at once (one wrk per node, summed).
# Settings: BENCH_DURATION (10s), BENCH_CONNECTIONS (32 per node), BENCH_THREADS (1 per node), BENCH_PRODUCTS (1000).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-1}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-1000}

# shellcheck source=../eng/test-services.sh
source eng/test-services.sh
# shellcheck source=bench-host.sh
source bench/bench-host.sh
bench_setup
export Mall__Redis__Configuration=$MALL_TEST_REDIS Mall__Redis__KeyPrefix="nodes$RANDOM:"

rps() { awk '/Requests\/sec/ {print $2}'; }

bench_start_host PostgreSql mall_nodes 100
first=$base
wrk -t1 -c8 -d5s -s bench/random-id.lua "$first" -- /api/v1/catalog/products/ >/dev/null
one=$(wrk -t"$threads" -c"$connections" -d"$duration" -s bench/random-id.lua "$first" -- /api/v1/catalog/products/ | rps)

# The second node: the same database (bench_start_host made it) and Redis, its own port.
port=$(_mall_free_port)
second="http://127.0.0.1:$port"
Mall__RateLimits__Enabled=false Mall__Database__Provider=PostgreSql \
  Mall__Database__ConnectionString="Host=127.0.0.1;Port=$MALL_PG_PORT;Database=mall_nodes;Username=postgres;Maximum Pool Size=100" \
  ASPNETCORE_URLS=$second dotnet "$bench_dll" >"$MALL_SERVICES_DIR/second-node.log" 2>&1 &
second_pid=$!
trap 'kill $second_pid 2>/dev/null || true; bench_stop_host; mall_services_stop' EXIT
_mall_wait "second node" 300 curl -sf "$second/health"
wrk -t1 -c8 -d5s -s bench/random-id.lua "$second" -- /api/v1/catalog/products/ >/dev/null
(wrk -t"$threads" -c"$connections" -d"$duration" -s bench/random-id.lua "$first" -- /api/v1/catalog/products/ | rps >"$MALL_SERVICES_DIR/a") &
on_first=$!
wrk -t"$threads" -c"$connections" -d"$duration" -s bench/random-id.lua "$second" -- /api/v1/catalog/products/ | rps >"$MALL_SERVICES_DIR/b"
wait "$on_first"
a=$(cat "$MALL_SERVICES_DIR/a") b=$(cat "$MALL_SERVICES_DIR/b")
two=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", a + b }')

mkdir -p bench/results
report=bench/results/nodes-$(date -u +%Y%m%d-%H%M%S).md
{
  echo "wrk -t$threads -c$connections -d$duration per node, PostgreSQL + Redis, $BENCH_PRODUCTS products, random ids (cache hits); $(nproc) cores; $(date -u +%Y-%m-%d)"
  echo
  echo "| nodes | catalog by id req/s | vs one node |"
  echo "|---|---|---|"
  echo "| 1 | $one | 1.00 |"
  echo "| 2 (same box) | $two ($a + $b) | $(awk -v a="$two" -v b="$one" 'BEGIN { printf "%.2f", a / b }') |"
} >"$report"
cat "$report"
echo
echo "(written to $report)"

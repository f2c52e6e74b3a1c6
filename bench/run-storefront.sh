#!/usr/bin/env bash
# Storefront benchmark: the product page (/products/{id}, random id) rendered by the default theme through the full
# HTTP pipeline with warm caches (compiled templates, theme state), against the plaintext endpoint of the same host
# in the same run. wrk at BENCH_CONNECTIONS (64) with latency percentiles; SQLite by default (BENCH_PROVIDERS).
# Goal (issue 16): product page >= 0.5x plaintext, p99 <= 10 ms at 64 connections; the same page with the rendered-page
# cache off (Mall:Themes:RenderedPageCacheDuration=0, a second host) is recorded beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

providers=${BENCH_PROVIDERS:-"Sqlite"}
duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-64}
rounds=${BENCH_ROUNDS:-2}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-1000}

# shellcheck source=../eng/test-services.sh
source eng/test-services.sh
# shellcheck source=bench-host.sh
source bench/bench-host.sh
bench_setup

# measure <url> [prefix] -> "requests/second p99-ms"
measure() {
  local url=$1 prefix=${2:-} out
  if [ -n "$prefix" ]; then
    out=$(wrk -t1 -c"$connections" -d"$duration" --latency -s bench/random-id.lua "$url" -- "$prefix")
  else
    out=$(wrk -t1 -c"$connections" -d"$duration" --latency "$url")
  fi
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "wrk reported errors for $url:" >&2; echo "$out" >&2; exit 1; fi
  local p99
  p99=$(awk '$1 == "99%" { v = $2; if (v ~ /ms$/) { sub("ms", "", v); print v } else if (v ~ /us$/) { sub("us", "", v); print v / 1000 } else { sub("s", "", v); print v * 1000 } }' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $p99"
}

mkdir -p bench/results
report=bench/results/storefront-$(date -u +%Y%m%d-%H%M%S).md
{
  echo "wrk -t1 -c$connections -d$duration --latency, mean of $rounds interleaved rounds, random product ids of $BENCH_PRODUCTS; $(nproc) cores; $(date -u +%Y-%m-%d)"
  echo
  echo "| database | rendered-page cache | plaintext req/s | plaintext p99 ms | product page req/s | product page p99 ms | page / plaintext |"
  echo "|---|---|---|---|---|---|---|"
} >"$report"

mean_field() { printf '%s\n' "${@:2}" | awk -v f="$1" '{ s += $f } END { printf "%.1f", s / NR }'; }
for provider in $providers; do
  for keep in 00:00:05 00:00:00; do
    Mall__Themes__RenderedPageCacheDuration=$keep bench_start_host "$provider" "mall_storefront_${keep//:/}" 200
    curl -sf "$base/products/1" >/dev/null
    for path in /plaintext /products/1; do wrk -t1 -c8 -d3s "$base$path" >/dev/null; done
    plain=() page=()
    for ((round = 0; round < rounds; round++)); do
      plain+=("$(measure "$base/plaintext")")
      page+=("$(measure "$base" /products/)")
    done
    plain_rps=$(mean_field 1 "${plain[@]}")
    plain_p99=$(mean_field 2 "${plain[@]}")
    page_rps=$(mean_field 1 "${page[@]}")
    page_p99=$(mean_field 2 "${page[@]}")
    ratio=$(awk -v a="$page_rps" -v b="$plain_rps" 'BEGIN { printf "%.2f", a / b }')
    echo "| $provider | $([ "$keep" = 00:00:00 ] && echo off || echo "on ($keep)") | ${plain_rps%.*} | $plain_p99 | ${page_rps%.*} | $page_p99 | $ratio |" >>"$report"
    bench_stop_host
  done
done
cat "$report"
echo "(written to $report)"

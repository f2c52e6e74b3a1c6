#!/usr/bin/env bash
# Checkout benchmark: orders/second through Mall's HTTP API (POST /api/v1/orders, one line, random SKU, 100
# shoppers) at 8 and 256 connections, beside the database's own ceiling for the same SQL: pgbench replaying
# bench/sql/checkout.pgbench.sql on PostgreSQL, mysqlslap replaying bench/sql/checkout.mysqlslap.sql on MariaDB,
# with as many clients. Settings: BENCH_PROVIDERS ("MySql PostgreSql"), BENCH_DURATION (10s), BENCH_PRODUCTS (1000),
# BENCH_POOL (Mall's database pool size, "Maximum Pool Size"; default 4 per core — requests beyond it wait for a
# connection in Mall rather than crowding the database, see README "Choosing the database"), BENCH_ROUNDS (3).
# Each round measures Mall and then the database alone at 8 and at 256 connections, so that a drift in the machine's
# speed (a shared VM's neighbours) lands on both sides of a ratio; the report gives the mean of the rounds' ratios and
# their range. Mall's host stays up, idle, while the database alone is measured.
set -euo pipefail
cd "$(dirname "$0")/.."

providers=${BENCH_PROVIDERS:-"MySql PostgreSql"}
duration=${BENCH_DURATION:-10s}
seconds=${duration%s}
export BENCH_PRODUCTS=${BENCH_PRODUCTS:-1000}
export BENCH_SKUS=$((BENCH_PRODUCTS * 4))
shoppers=100
rounds=${BENCH_ROUNDS:-3}
pool=${BENCH_POOL:-$(( $(nproc) * 4 ))}

# shellcheck source=../eng/test-services.sh
source eng/test-services.sh
# shellcheck source=bench-host.sh
source bench/bench-host.sh
bench_setup
export BENCH_TOKENS=$MALL_SERVICES_DIR/tokens.txt

http_orders_per_second() { # <base url> <connections>
  local out
  out=$(wrk -t1 -c"$2" -d"$duration" --timeout 10s -s bench/checkout.lua "$1")
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "wrk reported errors at $2 connections:" >&2; echo "$out" >&2; exit 1; fi
  awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out"
}

db_ceiling() { # <provider> <clients>
  local clients=$2
  case $1 in
    PostgreSql)
      psql -q -h 127.0.0.1 -p "$MALL_PG_PORT" -U postgres -d mall_checkout -c "SELECT 1" >/dev/null
      PGHOST=127.0.0.1 PGPORT=$MALL_PG_PORT PGUSER=postgres pgbench -n -c "$clients" -j 2 -T "$seconds" -D skus="$BENCH_SKUS" -f bench/sql/checkout.pgbench.sql mall_checkout 2>/dev/null \
        | awk '/^tps/ {printf "%.0f", $3}' ;;
    MySql)
      # mysqlslap splits --number-of-queries among the clients. Queries are separated by "|": each is one round trip
      # as Mall's driver sends it (statements joined by ";" travel together). Each client runs whole orders, about
      # as many in all as the database alone completes in BENCH_DURATION (a run as long as Mall's), at least 40 each.
      local per_client=$(((seconds * 2500 + clients - 1) / clients)) queries out
      ((per_client >= 40)) || per_client=40
      local orders=$((clients * per_client))
      queries=$(($(tr -cd '|' <bench/sql/checkout.mysqlslap.sql | wc -c) + 1))
      sed "s/RAND() \* 4000/RAND() * $BENCH_SKUS/" bench/sql/checkout.mysqlslap.sql >"$MALL_SERVICES_DIR/checkout.mysqlslap.sql"
      out=$(mysqlslap --no-defaults --socket="$MALL_MARIADB_SOCKET" -uroot --create-schema=mall_checkout --query="$MALL_SERVICES_DIR/checkout.mysqlslap.sql" \
        --delimiter="|" --concurrency="$clients" --iterations=1 --number-of-queries=$((orders * queries)) 2>&1)
      awk -v n="$orders" '/Average number of seconds/ {printf "%.0f", n / $9}' <<<"$out" ;;
  esac
}

mkdir -p bench/results
report=bench/results/checkout-$(date -u +%Y%m%d-%H%M%S).md
{
  echo "POST /api/v1/orders (one line, random SKU of $BENCH_SKUS, $shoppers shoppers), wrk -t1 -d$duration, Mall's pool $pool connections; database ceiling: the same SQL replayed by pgbench / mysqlslap; $rounds interleaved rounds (means; ratio range in brackets); $(nproc) cores; $(date -u +%Y-%m-%d)"
  echo
  echo "| database | connections | Mall orders/s | database alone orders/s | Mall / database |"
  echo "|---|---|---|---|---|"
} >"$report"

for provider in $providers; do
  bench_start_host "$provider" mall_checkout "$pool"

  : >"$BENCH_TOKENS"
  for ((i = 0; i < shoppers; i++)); do
    phone=$(printf '1880000%04d' "$i")
    curl -sf -H 'Content-Type: application/json' -d "{\"phone\":\"$phone\",\"password\":\"bench-password\"}" "$base/api/v1/auth/register" >/dev/null
    # One token a line (the response has no final newline, and sed keeps that).
    curl -sf -H 'Content-Type: application/json' -d "{\"login\":\"$phone\",\"password\":\"bench-password\"}" "$base/api/v1/auth/login" \
      | sed -E 's/.*"accessToken":"([^"]+)".*/\1\n/' | head -1 >>"$BENCH_TOKENS"
  done
  # One order by hand first: a broken setup shows its answer here instead of as a wall of non-2xx.
  curl -sf -H "Authorization: Bearer $(head -1 "$BENCH_TOKENS")" -H 'Content-Type: application/json' \
    -d '{"lines":[{"skuId":1,"quantity":1}]}' "$base/api/v1/orders" >/dev/null \
    || { echo "placing a test order failed (token $(head -c 20 "$BENCH_TOKENS")…):" >&2; curl -s -i -H "Authorization: Bearer $(head -1 "$BENCH_TOKENS")" -H 'Content-Type: application/json' -d '{"lines":[{"skuId":1,"quantity":1}]}' "$base/api/v1/orders" >&2; exit 1; }
  # Warm-up long enough for tiered compilation to settle: steady state is what is measured.
  wrk -t1 -c8 -d10s --timeout 10s -s bench/checkout.lua "$base" >/dev/null

  # One line per measurement: <connections> <Mall orders/s> <database alone orders/s>.
  measured=$MALL_SERVICES_DIR/checkout-$provider.txt
  : >"$measured"
  for ((round = 1; round <= rounds; round++)); do
    for connections in 8 256; do
      mall=$(http_orders_per_second "$base" "$connections")
      ceiling=$(db_ceiling "$provider" "$connections")
      echo "$connections $mall $ceiling" >>"$measured"
      echo "[bench] $provider round $round, $connections connections: Mall $mall, database alone $ceiling orders/s" >&2
    done
  done
  bench_stop_host
  awk -v p="$provider" '
    { n[$1]++; m[$1] += $2; d[$1] += $3; r = $2 / $3; q[$1] += r
      if (!($1 in lo) || r < lo[$1]) lo[$1] = r
      if (!($1 in hi) || r > hi[$1]) hi[$1] = r }
    END {
      for (c = 8; c <= 256; c *= 32)
        printf "| %s | %d | %.0f | %.0f | %.2f (%.2f–%.2f) |\n", p, c, m[c] / n[c], d[c] / n[c], q[c] / n[c], lo[c], hi[c]
      printf "| %s | 256 vs 8 | %.2f (Mall at 256 / Mall at 8) | | |\n", p, (m[256] / n[256]) / (m[8] / n[8])
    }' "$measured" >>"$report"
done

cat "$report"
echo
echo "(written to $report)"

#!/usr/bin/env bash
# Webhook benchmark (issue 19): for each database, one Mall host and one receiver on loopback, driven by
# bench/Mall.Bench.Webhooks itself:
#   1. outbox-to-delivery latency (commit of order.placed → arrival at the receiver) at BENCH_RATE orders/s for
#      BENCH_SECONDS, beside raw POSTs of the same size to the same receiver at the same rate;
#   2. deliveries/s of a BENCH_BACKLOG backlog (queued while the subscription is paused, sent on resume), beside raw
#      POSTs to the receiver with the dispatcher's parallelism (32);
#   3. an admin read (GET /api/admin/orders?pageSize=1) with an API key vs a bearer token, BENCH_ROUNDS interleaved
#      rounds of BENCH_AUTH_SECONDS.
# Settings: BENCH_PROVIDERS ("Sqlite PostgreSql MySql"), BENCH_RATE (200), BENCH_SECONDS (20), BENCH_BACKLOG (3000),
# BENCH_AUTH_SECONDS (5), BENCH_ROUNDS (3). The report goes to stdout and bench/results/webhooks-<time>.md.
set -euo pipefail
cd "$(dirname "$0")/.."

providers=${BENCH_PROVIDERS:-"Sqlite PostgreSql MySql"}
# shellcheck source=../eng/test-services.sh
source eng/test-services.sh
unset MALL_TEST_MYSQL MALL_TEST_POSTGRES MALL_TEST_REDIS
trap 'mall_services_stop' EXIT
mall_services_start
dotnet build bench/Mall.Bench.Webhooks -c Release -v quiet -nologo >/dev/null
dll=bench/Mall.Bench.Webhooks/bin/Release/net10.0/Mall.Bench.Webhooks.dll
mkdir -p bench/results
out=bench/results/webhooks-$(date -u +%Y%m%d-%H%M%S).md
for provider in $providers; do
  database=mall_webhooks_$RANDOM
  case $provider in
    Sqlite) cs="Data Source=$MALL_SERVICES_DIR/$database.db" ;;
    MySql)
      mariadb --no-defaults --socket="$MALL_MARIADB_SOCKET" -uroot -e "CREATE DATABASE $database CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
      cs="Server=127.0.0.1;Port=$MALL_MYSQL_PORT;User ID=mall;Password=mall;SslMode=None;Database=$database;Maximum Pool Size=64" ;;
    PostgreSql)
      psql -h 127.0.0.1 -p "$MALL_PG_PORT" -U postgres -qc "CREATE DATABASE $database"
      cs="Host=127.0.0.1;Port=$MALL_PG_PORT;Username=postgres;Database=$database;Maximum Pool Size=64" ;;
    *) echo "unknown provider $provider" >&2; exit 2 ;;
  esac
  Mall__Database__Provider=$provider Mall__Database__ConnectionString=$cs dotnet "$dll" | tee -a "$out"
  echo | tee -a "$out"
done
echo "written to $out"

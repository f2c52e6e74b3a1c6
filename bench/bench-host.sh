#!/usr/bin/env bash
# Shared by the HTTP bench scripts (source after eng/test-services.sh): bench_setup installs wrk when missing (as
# root), starts the test servers and builds the bench host, all stopped on exit; bench_start_host starts the host on
# a fresh database and sets base (its URL) and app_pid.

bench_setup() {
  if ! command -v wrk >/dev/null 2>&1; then
    [ "$(id -u)" = "0" ] || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  fi
  # The bench starts its own servers, never ones named by the test variables.
  unset MALL_TEST_MYSQL MALL_TEST_POSTGRES MALL_TEST_REDIS
  app_pid=""
  trap 'bench_stop_host; mall_services_stop' EXIT
  mall_services_start
  bench_build_host
}

bench_build_host() {
  dotnet build bench/Mall.Bench.Http -c Release -v quiet -nologo >/dev/null
  bench_dll=bench/Mall.Bench.Http/bin/Release/net10.0/Mall.Bench.Http.dll
}

# bench_start_host <provider> <database name> <pool size>
bench_start_host() {
  local provider=$1 database=$2 pool=$3 cs port server
  case $provider in
    Sqlite) cs="Data Source=$MALL_SERVICES_DIR/$database.db" ;;
    MySql)
      mariadb --no-defaults --socket="$MALL_MARIADB_SOCKET" -uroot -e "CREATE DATABASE $database CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
      # Over the Unix socket by default, as mysqlslap reaches the server for the database-alone figure (the same
      # transport on both sides); BENCH_MYSQL_TRANSPORT=tcp for 127.0.0.1.
      if [ "${BENCH_MYSQL_TRANSPORT:-socket}" = tcp ]; then server="Server=127.0.0.1;Port=$MALL_MYSQL_PORT"; else server="Server=$MALL_MARIADB_SOCKET;Protocol=Unix"; fi
      cs="$server;Database=$database;User ID=mall;Password=mall;SslMode=None;Maximum Pool Size=$pool" ;;
    PostgreSql)
      psql -q -h 127.0.0.1 -p "$MALL_PG_PORT" -U postgres -c "CREATE DATABASE $database"
      cs="Host=127.0.0.1;Port=$MALL_PG_PORT;Database=$database;Username=postgres;Maximum Pool Size=$pool" ;;
    *) echo "unknown provider $provider" >&2; exit 2 ;;
  esac
  port=$(_mall_free_port)
  base="http://127.0.0.1:$port"
  # Load drivers call from one address far above any rate limit: the benches measure the code paths, limits off.
  Mall__RateLimits__Enabled=${Mall__RateLimits__Enabled:-false} Mall__Database__Provider=$provider Mall__Database__ConnectionString=$cs ASPNETCORE_URLS=$base \
    dotnet "$bench_dll" >"$MALL_SERVICES_DIR/$database-$provider.log" 2>&1 &
  app_pid=$!
  _mall_wait "bench host ($provider)" 300 curl -sf "$base/health" || { cat "$MALL_SERVICES_DIR/$database-$provider.log" >&2; exit 1; }
}

bench_stop_host() {
  [ -n "${app_pid:-}" ] || return 0
  kill "$app_pid" 2>/dev/null; wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

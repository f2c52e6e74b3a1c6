#!/usr/bin/env bash
# Starts the real servers the tests and benchmarks talk to (MariaDB, PostgreSQL, Redis), each on a free loopback
# port with its data in a temporary folder, installing the Debian packages first when they are missing and we
# are root. Source this file, then call `mall_services_start`; it exports MALL_TEST_MYSQL, MALL_TEST_POSTGRES and
# MALL_TEST_REDIS. `mall_services_stop` stops what it started. Servers named by already-set variables are used as
# they are and not started.

MALL_SERVICES_DIR=""
MALL_SERVICES_STARTED=()

_mall_log() { echo "[services] $*" >&2; }

_mall_free_port() {
  local p
  for p in $(shuf -i 20000-60000 -n 200); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

_mall_wait() { # _mall_wait <what> <seconds> <command...>
  local what=$1 seconds=$2; shift 2
  local i
  for ((i = 0; i < seconds * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  _mall_log "$what did not become ready in ${seconds}s"
  return 1
}

mall_services_install() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server mariadb-client)
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  # The storefront browser test drives Debian's Chromium (never a downloaded browser); CJK fonts for its screenshots.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-noto-cjk)
  # npm ci and tsc --strict for the generated TypeScript client.
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != "0" ]; then
    _mall_log "missing Debian packages: ${missing[*]}; run as root (or install them) so that the test servers can start"
    return 1
  fi
  _mall_log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' own service scripts from starting servers on the default ports while they install.
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && own_policy=1
  fi
  local rc=0
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null || rc=$?
  [ -n "$own_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ "$rc" = 0 ] || _mall_log "apt-get failed ($rc) installing ${missing[*]}"
  return "$rc"
}

_mall_start_mariadb() {
  local dir=$MALL_SERVICES_DIR/mariadb port
  port=$(_mall_free_port)
  mkdir -p "$dir/data"
  mariadb-install-db --no-defaults --datadir="$dir/data" --user=root --auth-root-authentication-method=socket >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; return 1; }
  /usr/sbin/mariadbd --no-defaults --user=root --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --skip-log-bin --skip-name-resolve --max-connections=1000 --innodb-buffer-pool-size=256M \
    --innodb-flush-log-at-trx-commit=2 --log-error="$dir/error.log" >/dev/null 2>&1 &
  _mall_wait MariaDB 60 mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot -e "SELECT 1" || { tail -20 "$dir/error.log" >&2; return 1; }
  # 'mall'@'localhost' too: over the Unix socket the anonymous ''@'localhost' account the install creates would
  # otherwise match before 'mall'@'%'.
  mariadb --no-defaults --socket="$dir/mysqld.sock" -uroot -e \
    "CREATE USER 'mall'@'%' IDENTIFIED BY 'mall'; GRANT ALL PRIVILEGES ON *.* TO 'mall'@'%' WITH GRANT OPTION;
     CREATE USER 'mall'@'localhost' IDENTIFIED BY 'mall'; GRANT ALL PRIVILEGES ON *.* TO 'mall'@'localhost' WITH GRANT OPTION; FLUSH PRIVILEGES;"
  MALL_SERVICES_STARTED+=(mariadb)
  export MALL_TEST_MYSQL="Server=127.0.0.1;Port=$port;User ID=mall;Password=mall;SslMode=None;"
  export MALL_MARIADB_SOCKET="$dir/mysqld.sock" MALL_MYSQL_PORT=$port
  _mall_log "MariaDB on 127.0.0.1:$port"
}

_mall_start_postgres() {
  local dir=$MALL_SERVICES_DIR/postgres port bin
  port=$(_mall_free_port)
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  mkdir -p "$dir"
  local run=()
  if [ "$(id -u)" = "0" ]; then
    # PostgreSQL refuses to run as root.
    chown -R postgres:postgres "$dir"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=500 -c shared_buffers=256MB -c synchronous_commit=off" start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; return 1; }
  MALL_SERVICES_STARTED+=(postgres)
  MALL_PG_BIN=$bin
  MALL_PG_RUN=("${run[@]}")
  export MALL_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Maximum Pool Size=200;"
  export MALL_PG_PORT=$port
  _mall_log "PostgreSQL on 127.0.0.1:$port"
}

_mall_start_redis() {
  local dir=$MALL_SERVICES_DIR/redis port
  port=$(_mall_free_port)
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" >/dev/null
  _mall_wait Redis 30 redis-cli -h 127.0.0.1 -p "$port" ping || return 1
  MALL_SERVICES_STARTED+=(redis)
  export MALL_TEST_REDIS="127.0.0.1:$port"
  _mall_log "Redis on 127.0.0.1:$port"
}

mall_services_start() {
  mall_services_install || return 1
  if [ -z "$MALL_SERVICES_DIR" ]; then
    MALL_SERVICES_DIR=$(mktemp -d /tmp/mall-services.XXXXXX)
    chmod 755 "$MALL_SERVICES_DIR"
  fi
  [ -n "${MALL_TEST_MYSQL:-}" ] || _mall_start_mariadb || return 1
  [ -n "${MALL_TEST_POSTGRES:-}" ] || _mall_start_postgres || return 1
  [ -n "${MALL_TEST_REDIS:-}" ] || _mall_start_redis || return 1
}

mall_services_stop() {
  local s
  for s in "${MALL_SERVICES_STARTED[@]}"; do
    case $s in
      mariadb)
        if [ -f "$MALL_SERVICES_DIR/mariadb/mysqld.pid" ]; then
          kill "$(cat "$MALL_SERVICES_DIR/mariadb/mysqld.pid")" 2>/dev/null || true
        fi ;;
      postgres) "${MALL_PG_RUN[@]}" "$MALL_PG_BIN/pg_ctl" -D "$MALL_SERVICES_DIR/postgres/data" -m fast -w stop >/dev/null 2>&1 || true ;;
      redis) [ -f "$MALL_SERVICES_DIR/redis/redis.pid" ] && kill "$(cat "$MALL_SERVICES_DIR/redis/redis.pid")" 2>/dev/null || true ;;
    esac
  done
  MALL_SERVICES_STARTED=()
  # Give MariaDB a moment to flush before its folder goes.
  sleep 1
  [ -n "$MALL_SERVICES_DIR" ] && rm -rf "$MALL_SERVICES_DIR"
  MALL_SERVICES_DIR=""
}

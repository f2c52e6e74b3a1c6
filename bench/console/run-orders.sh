#!/usr/bin/env bash
# The console's server-side figures over 100k orders: the admin orders list (first page, a deep page, keyset paging, a
# status filter, an order number) and the dashboard report. Starts the sample store (Release) on a fresh database,
# which creates its tables, stops it, seeds BENCH_ORDERS orders (default 100000, each with one line, spread over 60
# days) straight into its tables, starts it again, then times each request BENCH_REPEAT times (default 30) with curl
# on loopback and prints the median and p95 of time-to-first-byte, with /health (the cheapest endpoint) as the baseline.
# BENCH_DB picks the database: sqlite (default, the sample's), mariadb or postgres — the last two on the servers the
# tests use (`source eng/test-services.sh && mall_services_start` first: MALL_MYSQL_PORT, MALL_PG_PORT).
# Usage: [BENCH_DB=postgres] bench/console/run-orders.sh   (after dotnet build -c Release)
set -euo pipefail
cd "$(dirname "$0")/../.."
orders=${BENCH_ORDERS:-100000}
repeat=${BENCH_REPEAT:-30}
port=${BENCH_PORT:-5077}
kind=${BENCH_DB:-sqlite}
work=$(mktemp -d /tmp/mall-console-bench.XXXXXX)
db="$work/mall.db"
name="mall_bench_orders_$$"
app=samples/Mall.Sample.Store/bin/Release/net10.0
[ -f "$app/Mall.Sample.Store.dll" ] || { echo "build first: dotnet build Mall.sln -c Release" >&2; exit 1; }
case $kind in
  sqlite) provider=Sqlite; connection="Data Source=$db"; label=SQLite ;;
  mariadb)
    : "${MALL_MYSQL_PORT:?start the test services first: source eng/test-services.sh && mall_services_start}"
    sql() { mariadb --no-defaults -h127.0.0.1 -P"$MALL_MYSQL_PORT" -umall -pmall --local-infile=1 -N -B "$@"; }
    sql -e "CREATE DATABASE $name"
    provider=MySql; connection="Server=127.0.0.1;Port=$MALL_MYSQL_PORT;User ID=mall;Password=mall;SslMode=None;Database=$name"; label=MariaDB ;;
  postgres)
    : "${MALL_PG_PORT:?start the test services first: source eng/test-services.sh && mall_services_start}"
    sql() { psql -h 127.0.0.1 -p "$MALL_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -q -At -F $'\t' "$@"; }
    sql -d postgres -c "CREATE DATABASE $name"
    provider=PostgreSql; connection="Host=127.0.0.1;Port=$MALL_PG_PORT;Username=postgres;Database=$name"; label=PostgreSQL ;;
  *) echo "BENCH_DB is sqlite, mariadb or postgres" >&2; exit 2 ;;
esac
drop() {
  case $kind in
    mariadb) sql -e "DROP DATABASE IF EXISTS $name" || true ;;
    postgres) sql -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true ;;
  esac
}
start_host() {
  (cd "$app" && exec env ASPNETCORE_ENVIRONMENT=Production Urls="http://127.0.0.1:$port" Mall__Database__Provider="$provider" \
    Mall__Database__ConnectionString="$connection" Logging__LogLevel__Default=Warning dotnet Mall.Sample.Store.dll > "$work/host.log" 2>&1) &
  host=$!
  for _ in $(seq 1 120); do curl -sf "$base/health" >/dev/null && return; sleep 0.5; done
  cat "$work/host.log" >&2; exit 1
}
base="http://127.0.0.1:$port"
host=
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null; drop; rm -rf "$work"' EXIT
start_host
kill $host; wait $host 2>/dev/null || true

# The tables' columns as the database has them: (name, TYPE, not null).
columns() {
  case $kind in
    sqlite) python3 -c "import sqlite3,sys; [print(r[1], r[2].upper() or 'TEXT', r[3], sep='\t') for r in sqlite3.connect(sys.argv[1]).execute(f'PRAGMA table_info({sys.argv[2]})')]" "$db" "$1" ;;
    mariadb) sql "$name" -e "SELECT column_name, UPPER(data_type), is_nullable = 'NO' FROM information_schema.columns WHERE table_schema = '$name' AND table_name = '$1' ORDER BY ordinal_position" ;;
    postgres) sql -d "$name" -c "SELECT column_name, UPPER(data_type), CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$1' ORDER BY ordinal_position" ;;
  esac
}
columns mall_order > "$work/order.columns"
columns mall_order_line > "$work/line.columns"
sku=$(case $kind in
  sqlite) python3 -c "import sqlite3,sys; print(*sqlite3.connect(sys.argv[1]).execute('SELECT id, product_id, code FROM mall_sku ORDER BY id LIMIT 1').fetchone(), sep='\t')" "$db" ;;
  mariadb) sql "$name" -e "SELECT id, product_id, code FROM mall_sku ORDER BY id LIMIT 1" ;;
  postgres) sql -d "$name" -c "SELECT id, product_id, code FROM mall_sku ORDER BY id LIMIT 1" ;;
esac)

# Rows in the tables' own column order: tab-separated text with \N for null (what COPY and LOAD DATA read), or
# straight into the SQLite file.
python3 - "$kind" "$db" "$orders" "$work" "$sku" <<'PY'
import datetime, random, sys
kind, db, count, work, sku = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5].split('\t')
def read(path): return [(n, t, nn == '1') for n, t, nn in (l.rstrip('\n').split('\t') for l in open(path) if l.strip())]
order_cols, line_cols = read(f'{work}/order.columns'), read(f'{work}/line.columns')
now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
if kind == 'sqlite':
    import sqlite3
    c = sqlite3.connect(db)
    sample = c.execute('SELECT created_at FROM mall_product LIMIT 1').fetchone()[0]
    def stamp(d):  # the provider's own format, read from a row it wrote
        return d.isoformat(sep=' ' if ' ' in str(sample) else 'T', timespec='microseconds' if '.' in str(sample) else 'seconds') if isinstance(sample, str) else int(d.timestamp())
else:
    def stamp(d): return d.strftime('%Y-%m-%d %H:%M:%S.%f')
def filler(typ, notnull):  # a column this script does not know: its type's zero when it may not be null
    if not notnull: return None
    if 'BOOL' in typ: return 'f' if kind == 'postgres' else 0
    return 0 if any(t in typ for t in ('INT', 'NUM', 'REAL', 'DEC', 'DOUBLE')) else ''
statuses = [0, 1, 1, 1, 2, 3, 4]
rng = random.Random(7)
orders, lines = [], []
for i in range(1, count + 1):
    created = now - datetime.timedelta(seconds=rng.randrange(60 * 86400))
    price = rng.randrange(100, 50000)
    v = {'id': i, 'number': f'B{i:012d}', 'customer_id': rng.randrange(1, 5000), 'status': rng.choice(statuses), 'subtotal': price, 'shipping_fee': 0,
         'discount': 0, 'total': price, 'payment_deadline': stamp(created + datetime.timedelta(minutes=30)), 'created_at': stamp(created), 'updated_at': stamp(created)}
    orders.append(tuple(v.get(n, filler(t, nn)) for n, t, nn in order_cols))
    l = {'id': i, 'order_id': i, 'sku_id': int(sku[0]), 'product_id': int(sku[1]), 'product_name': 'Bench product', 'sku_code': sku[2], 'spec_values': '[]',
         'unit_price': price, 'quantity': 1, 'line_total': price}
    lines.append(tuple(l.get(n, filler(t, nn)) for n, t, nn in line_cols))
if kind == 'sqlite':
    c.executemany(f'INSERT INTO mall_order VALUES ({",".join("?" * len(order_cols))})', orders)
    c.executemany(f'INSERT INTO mall_order_line VALUES ({",".join("?" * len(line_cols))})', lines)
    c.commit()
    c.execute('ANALYZE')
else:
    def text(v): return '\\N' if v is None else str(v).replace('\\', '\\\\').replace('\t', '\\t').replace('\n', '\\n')
    for name, rows in (('order', orders), ('line', lines)):
        with open(f'{work}/{name}.tsv', 'w') as f:
            for row in rows: f.write('\t'.join(text(v) for v in row) + '\n')
print(f'seeded {count} orders', file=sys.stderr)
PY
case $kind in
  mariadb) sql "$name" -e "LOAD DATA LOCAL INFILE '$work/order.tsv' INTO TABLE mall_order; LOAD DATA LOCAL INFILE '$work/line.tsv' INTO TABLE mall_order_line; ANALYZE TABLE mall_order, mall_order_line" >/dev/null ;;
  postgres) sql -d "$name" -c "\copy mall_order FROM '$work/order.tsv'" -c "\copy mall_order_line FROM '$work/line.tsv'" -c "ANALYZE mall_order" -c "ANALYZE mall_order_line" ;;
esac

start_host

key=(-H "X-Mall-Admin-Key: dev-admin-key")
# The seeded orders are what the API serves (a bench of empty answers measures nothing).
curl -sf "${key[@]}" "$base/api/admin/orders?pageSize=20" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['total'] == $orders and len(d['items']) == 20, (d['total'], len(d['items']))"
curl -sf "${key[@]}" "$base/api/admin/reports/dashboard" | python3 -c "import json,sys; d=json.load(sys.stdin); assert d['last30Days']['orders'] > 0, d['last30Days']"
time_it() {  # name url -> "| name | median ms | p95 ms |"
  local name=$1 url=$2
  curl -sf "${key[@]}" "$url" >/dev/null || { echo "$url failed: $(curl -s "${key[@]}" "$url" | head -c 300)" >&2; exit 1; }
  for _ in 1 2 3; do curl -sf "${key[@]}" "$url" >/dev/null; done
  for _ in $(seq 1 "$repeat"); do curl -sf -o /dev/null -w '%{time_starttransfer}\n' "${key[@]}" "$url"; done |
    sort -n | awk -v name="$name" '{ v[NR] = $1 * 1000 } END { printf "| %s | %.1f | %.1f |\n", name, v[int((NR + 1) / 2)], v[int(NR * 0.95)] }'
}
echo "| request ($orders orders, $label) | median ms | p95 ms |"
echo "|---|---:|---:|"
time_it "GET /health (baseline)" "$base/health"
time_it "orders, first page (20)" "$base/api/admin/orders?pageSize=20"
time_it "orders, page 2500 (offset 49,980)" "$base/api/admin/orders?pageSize=20&page=2500"
time_it "orders, keyset (afterId=50000)" "$base/api/admin/orders?pageSize=20&afterId=50000"
time_it "orders, status=shipped" "$base/api/admin/orders?pageSize=20&status=shipped"
time_it "orders, number=B000000077777" "$base/api/admin/orders?number=B000000077777"
time_it "dashboard (30 days, top products, low stock)" "$base/api/admin/reports/dashboard?timeZone=Asia/Shanghai"

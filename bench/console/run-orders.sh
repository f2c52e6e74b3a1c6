#!/usr/bin/env bash
# The console's server-side figures over 100k orders (SQLite, the sample store's default): the admin orders list
# (first page, a deep page, keyset paging, a status filter, an order number) and the dashboard report. Starts the
# sample store (Release) on a fresh database, seeds BENCH_ORDERS orders (default 100000, each with one line, spread
# over 60 days) straight into its tables, then times each request BENCH_REPEAT times (default 30) with curl on
# loopback and prints the median and p95 of time-to-first-byte, with /health (the cheapest endpoint) as the baseline.
# Usage: bench/console/run-orders.sh   (after dotnet build -c Release)
set -euo pipefail
cd "$(dirname "$0")/../.."
orders=${BENCH_ORDERS:-100000}
repeat=${BENCH_REPEAT:-30}
port=${BENCH_PORT:-5077}
work=$(mktemp -d /tmp/mall-console-bench.XXXXXX)
db="$work/mall.db"
app=samples/Mall.Sample.Store/bin/Release/net10.0
[ -f "$app/Mall.Sample.Store.dll" ] || { echo "build first: dotnet build Mall.sln -c Release" >&2; exit 1; }
(cd "$app" && exec env ASPNETCORE_ENVIRONMENT=Production Urls="http://127.0.0.1:$port" Mall__Database__ConnectionString="Data Source=$db" \
  Logging__LogLevel__Default=Warning dotnet Mall.Sample.Store.dll > "$work/host.log" 2>&1) &
host=$!
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null; rm -rf "$work"' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do curl -sf "$base/health" >/dev/null && break; sleep 0.5; done
curl -sf "$base/health" >/dev/null || { cat "$work/host.log" >&2; exit 1; }
kill $host; wait $host 2>/dev/null || true

python3 - "$db" "$orders" <<'PY'
import sqlite3, sys, random, datetime
db, count = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
def columns(table): return [(r[1], r[2].upper(), r[3], r[4]) for r in c.execute(f'PRAGMA table_info({table})')]
sample_date = c.execute('SELECT created_at FROM mall_product LIMIT 1').fetchone()[0]
sku = c.execute('SELECT id, product_id, code FROM mall_sku LIMIT 1').fetchone()
now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
def stamp(d):  # the provider's own format, read from a row it wrote
    return d.isoformat(sep=' ' if ' ' in str(sample_date) else 'T', timespec='microseconds' if '.' in str(sample_date) else 'seconds') if isinstance(sample_date, str) else int(d.timestamp())
statuses = [0, 1, 1, 1, 2, 3, 4]
def filler(typ, notnull):  # a column this script does not know: its type's zero when it may not be null
    return None if not notnull else (0 if any(t in typ for t in ('INT', 'NUM', 'REAL', 'BOOL')) else '')
rng = random.Random(7)
order_cols = columns('mall_order'); line_cols = columns('mall_order_line')
orders, lines = [], []
for i in range(1, count + 1):
    created = now - datetime.timedelta(seconds=rng.randrange(60 * 86400))
    price = rng.randrange(100, 50000)
    v = {'id': i, 'number': f'B{i:012d}', 'customer_id': rng.randrange(1, 5000), 'status': rng.choice(statuses), 'subtotal': price, 'shipping_fee': 0,
         'discount': 0, 'total': price, 'payment_deadline': stamp(created + datetime.timedelta(minutes=30)), 'created_at': stamp(created), 'updated_at': stamp(created)}
    orders.append(tuple(v.get(name, filler(typ, notnull)) for name, typ, notnull, default in order_cols))
    l = {'id': i, 'order_id': i, 'sku_id': sku[0], 'product_id': sku[1], 'product_name': 'Bench product', 'sku_code': sku[2], 'spec_values': '[]',
         'unit_price': price, 'quantity': 1, 'line_total': price}
    lines.append(tuple(l.get(name, filler(typ, notnull)) for name, typ, notnull, default in line_cols))
c.executemany(f'INSERT INTO mall_order VALUES ({",".join("?" * len(order_cols))})', orders)
c.executemany(f'INSERT INTO mall_order_line VALUES ({",".join("?" * len(line_cols))})', lines)
c.commit()
c.execute('ANALYZE')
print(f'seeded {count} orders', file=sys.stderr)
PY

(cd "$app" && exec env ASPNETCORE_ENVIRONMENT=Production Urls="http://127.0.0.1:$port" Mall__Database__ConnectionString="Data Source=$db" \
  Logging__LogLevel__Default=Warning dotnet Mall.Sample.Store.dll > "$work/host.log" 2>&1) &
host=$!
for _ in $(seq 1 120); do curl -sf "$base/health" >/dev/null && break; sleep 0.5; done
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
echo "| request ($orders orders, SQLite) | median ms | p95 ms |"
echo "|---|---:|---:|"
time_it "GET /health (baseline)" "$base/health"
time_it "orders, first page (20)" "$base/api/admin/orders?pageSize=20"
time_it "orders, page 2500 (offset 49,980)" "$base/api/admin/orders?pageSize=20&page=2500"
time_it "orders, keyset (afterId=50000)" "$base/api/admin/orders?pageSize=20&afterId=50000"
time_it "orders, status=shipped" "$base/api/admin/orders?pageSize=20&status=shipped"
time_it "orders, number=B000000077777" "$base/api/admin/orders?number=B000000077777"
time_it "dashboard (30 days, top products, low stock)" "$base/api/admin/reports/dashboard?timeZone=Asia/Shanghai"

#!/usr/bin/env python3
"""Gzipped JavaScript the console loads before its first screen: the static import closure of index.html's entry,
plus that of the first screen's chunk (login on a cold visit, the dashboard when signed in).
Usage: python3 bench/console/initial-js.py [src/Mall.Admin/ClientApp/dist]"""
import gzip, os, re, sys

dist = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../src/Mall.Admin/ClientApp/dist')
assets = os.path.join(dist, 'assets')
static_import = re.compile(rb'(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["\'](\./[^"\']+\.js)["\']')

def closure(start):
    seen, todo = set(), [start]
    while todo:
        name = todo.pop()
        if name in seen: continue
        seen.add(name)
        text = open(os.path.join(assets, name), 'rb').read()
        todo += [os.path.basename(m.decode()) for m in static_import.findall(text)]
    return seen

def gz(names):
    return sum(len(gzip.compress(open(os.path.join(assets, n), 'rb').read(), 9)) for n in names)

def raw(names):
    return sum(os.path.getsize(os.path.join(assets, n)) for n in names)

html = open(os.path.join(dist, 'index.html')).read()
entry = re.search(r'src="\./assets/([^"]+\.js)"', html).group(1)
base = closure(entry)
total_js = [n for n in os.listdir(assets) if n.endswith('.js')]
print(f'all JavaScript: {len(total_js)} files, {raw(total_js)/1024:.0f} KB raw, {gz(total_js)/1024:.0f} KB gzipped')
print(f'entry closure ({len(base)} files): {raw(base)/1024:.0f} KB raw, {gz(base)/1024:.0f} KB gzipped')
for screen in ('LoginView', 'ConsoleShell', 'DashboardView', 'OrdersView'):
    chunk = next(n for n in os.listdir(assets) if n.startswith(screen + '-') and n.endswith('.js'))
    names = base | closure(chunk)
    print(f'{screen}: entry + screen = {len(names)} files, {raw(names)/1024:.0f} KB raw, {gz(names)/1024:.0f} KB gzipped')
shell = closure(next(n for n in os.listdir(assets) if n.startswith('ConsoleShell-') and n.endswith('.js')))
dash = closure(next(n for n in os.listdir(assets) if n.startswith('DashboardView-') and n.endswith('.js')))
print(f'signed-in first screen (entry + shell + dashboard): {gz(base | shell | dash)/1024:.0f} KB gzipped')
orders = closure(next(n for n in os.listdir(assets) if n.startswith('OrdersView-') and n.endswith('.js')))
print(f'signed-in orders screen (entry + shell + orders): {gz(base | shell | orders)/1024:.0f} KB gzipped')

#!/usr/bin/env bash
# Plugin lifecycle benchmark: warm load + enable and unload-until-collected, p50/p95 over N cycles (default 100),
# beside a bare collectible AssemblyLoadContext. Writes bench/results/plugins-<time>.md.
# Usage: bench/run-plugins.sh [cycles]
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-100}"
mkdir -p bench/results
out="$PWD/bench/results/plugins-$(date -u +%Y%m%d-%H%M%S).md"
dotnet build -c Release bench/Mall.Bench.Plugins -v q --nologo >/dev/null
{
  echo "# Plugin lifecycle benchmark"
  echo
  echo "Command: \`bench/run-plugins.sh $cycles\`"
  echo
} > "$out"
dotnet run -c Release --no-build --project bench/Mall.Bench.Plugins -- "$cycles" "$out.table"
cat "$out.table" >> "$out"
rm -f "$out.table"
echo "written to $out"

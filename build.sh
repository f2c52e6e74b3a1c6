#!/usr/bin/env bash
# Mall build script.
#   ./build.sh          build the solution (Release)
#   ./build.sh test     install (when missing, as root) and start MariaDB, PostgreSQL and Redis on free loopback
#                       ports, run every test project against them, stop them, print "N passed, N failed"
#   ./build.sh pack     build the NuGet packages into artifacts/packages
#   ./build.sh bench [http|checkout|plugins|storefront]    run a benchmark (see bench/README.md)
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

command=${1:-build}
case "$command" in
  build)
    dotnet build Mall.sln -c Release
    ;;

  test)
    # shellcheck source=eng/test-services.sh
    source eng/test-services.sh
    trap mall_services_stop EXIT
    mall_services_start
    dotnet build Mall.sln -c Release -v quiet -nologo

    # The names and first message lines of a results file's failed tests (CI keeps only the end of the log).
    mall_trx_failures() {
      awk '
        /<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); failing = 1 }
        failing && /<Message>/ { inmsg = 1; lines = 0; sub(/.*<Message>/, "") }
        inmsg { done = sub(/<\/Message>.*/, ""); if (lines++ < 6) msg = msg "\n      " $0; if (done) inmsg = 0 }
        failing && /<\/UnitTestResult>/ { printf "  FAILED %s%s\n", name, msg; failing = 0; msg = "" }
      ' "$1" | sed 's/&quot;/"/g; s/&apos;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g'
    }
    results=$(mktemp -d /tmp/mall-test-results.XXXXXX)
    status=0 passed=0 failed=0 skipped=0 failures=""
    for project in tests/*.Tests/*.Tests.csproj; do
      name=$(basename "$project" .csproj)
      echo "== $name"
      if ! dotnet test "$project" -c Release --no-build --nologo \
          --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$results"; then
        status=1
      fi
      trx="$results/$name.trx"
      if [ -f "$trx" ]; then
        counters=$(grep -o '<Counters [^>]*>' "$trx")
        count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
        total=$(count total) executed=$(count executed)
        passed=$((passed + $(count passed)))
        failed=$((failed + $(count failed) + $(count error) + $(count timeout) + $(count aborted)))
        skipped=$((skipped + total - executed))
        failures+=$(mall_trx_failures "$trx" | sed "s/^  FAILED /  FAILED $name: /")$'\n'
      else
        echo "$name produced no test results (did the test host crash?)"
        failed=$((failed + 1)) status=1
      fi
    done
    rm -rf "$results"
    if [ "$failed" -gt 0 ]; then
      status=1
      printf 'Failed tests:\n%s\n' "$(echo "$failures" | grep -v '^$')"
    fi
    summary="$passed passed, $failed failed"
    [ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
    echo "$summary"
    exit $status
    ;;

  pack)
    for project in src/*/*.csproj; do dotnet pack "$project" -c Release -o artifacts/packages; done
    ;;

  bench)
    # ./build.sh bench [http|checkout|plugins|storefront] [args...]
    case "${2:-http}" in
      checkout) exec bench/run-checkout.sh "${@:3}" ;;
      plugins) exec bench/run-plugins.sh "${@:3}" ;;
      storefront) exec bench/run-storefront.sh "${@:3}" ;;
      http) exec bench/run-http.sh "${@:3}" ;;
      *) exec bench/run-http.sh "${@:2}" ;;
    esac
    ;;

  *)
    echo "usage: $0 [build|test|pack|bench]" >&2
    exit 2
    ;;
esac

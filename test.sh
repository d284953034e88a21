#!/usr/bin/env bash
# Runs every test project of the solution and leaves one TRX file per project in TestResults/.
# Extra arguments go to each `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")"

# Servers the tests start on loopback (and stop after): install what is missing.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} (apt-get)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package starts a system-wide server on 6379; the tests use their own, on free ports.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    $sudo systemctl stop redis-server || true
  fi
fi

rm -rf TestResults
dotnet build DriftFabric.sln -c Release -warnaserror --nologo -v quiet

status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo \
    --results-directory "TestResults/$name" --logger "trx;LogFileName=$name.trx" "$@" || status=$?
done
exit "$status"

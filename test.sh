#!/usr/bin/env bash
# Runs every test project of the solution and leaves one TRX file per project in TestResults/.
# Extra arguments go to each `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")"

rm -rf TestResults
dotnet build DriftFabric.sln -c Release -warnaserror --nologo -v quiet

status=0
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --nologo \
    --results-directory "TestResults/$name" --logger "trx;LogFileName=$name.trx" "$@" || status=$?
done
exit "$status"

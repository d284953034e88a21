#!/usr/bin/env bash
# Runs every test project of the solution and leaves one TRX file per project in TestResults/.
# Extra arguments go to each `dotnet test` (e.g. --filter).
set -euo pipefail
cd "$(dirname "$0")"

# Servers the tests start on loopback (and stop after): install what is missing.
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v caddy >/dev/null 2>&1 || missing+=(caddy)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
# The Git source's SSH tests start their own sshd (and need ssh and ssh-keygen).
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
# The container image's test builds and runs deploy/Dockerfile with podman (runc as its runtime)
# on a base image made with debootstrap.
command -v podman >/dev/null 2>&1 || missing+=(podman)
[ -x /usr/sbin/runc ] || command -v runc >/dev/null 2>&1 || missing+=(runc)
[ -x /usr/sbin/debootstrap ] || command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
# kubectl renders Kustomize layouts (`kubectl kustomize`): the `kubectl` package where a Kubernetes
# apt repository is configured, else Debian's own `kubernetes-client`.
need_kubectl=false
command -v kubectl >/dev/null 2>&1 || need_kubectl=true
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ "${#missing[@]}" -gt 0 ] || [ "$need_kubectl" = true ]; then
  $sudo apt-get update -qq
fi
if [ "$need_kubectl" = true ]; then
  echo "installing kubectl (apt-get)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends kubectl >/dev/null 2>&1 \
    || DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The packages start system-wide servers (Redis on 6379, Caddy on 80 and 2019, HAProxy, sshd
  # on 22); the tests start their own, on free ports.
  if command -v systemctl >/dev/null 2>&1; then
    for service in redis-server caddy haproxy ssh; do
      if systemctl is-active --quiet "$service" 2>/dev/null; then
        $sudo systemctl stop "$service" || true
      fi
    done
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

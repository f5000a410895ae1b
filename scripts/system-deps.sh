#!/usr/bin/env bash
# Make sure the services and programs the tests use are present and running.
# Under CI=true a missing one is installed (Debian packages) or started; elsewhere we only warn,
# and the tests that need it skip with a reason.
set -uo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
command -v mosquitto >/dev/null 2>&1 || need+=(mosquitto)
command -v wrk >/dev/null 2>&1 || need+=(wrk)  # load generator for bench/bench_gateway.py
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)  # the lake's compiled checks (make native)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing: ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || exit 1
  else
    echo "warning: missing ${need[*]} (not root: cannot install); dependent tests will skip" >&2
  fi
fi
up() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
if ! up 5432 && command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 1883 && command -v mosquitto >/dev/null 2>&1; then
  mosquitto -d -c /etc/mosquitto/mosquitto.conf 2>/dev/null || mosquitto -d || true
fi
exit 0

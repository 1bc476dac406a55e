#!/usr/bin/env bash
# Maven's generate-resources step for the console: installs the pinned npm packages (only when
# package-lock.json changed since the last install: npm ci starts from scratch each time) and bundles
# them into OUT. No install scripts run: esbuild's binary comes as an ordinary optional package.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
out=${1:?usage: build.sh OUT_DIR}
if ! command -v npm >/dev/null 2>&1; then
  echo "berth-web: npm is needed to build the web console (apt-get install nodejs npm)" >&2
  exit 1
fi
if ! cmp -s package-lock.json node_modules/.berth-installed-lock 2>/dev/null; then
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.berth-installed-lock
fi
exec node build.mjs "$out"

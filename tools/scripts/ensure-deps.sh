#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json, so every entry point
# (npm start, npm test, stack:*) works on a fresh clone without a separate install step.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/use-node.sh
marker=node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "installing npm dependencies (npm ci) ..."
  npm ci --no-audit --no-fund --loglevel=error
fi

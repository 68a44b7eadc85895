#!/usr/bin/env bash
# `npm start`: the whole system on this machine. Installs dependencies if needed, brings up the local stack,
# builds the six services and runs them in the foreground until Ctrl-C, which stops them cleanly.
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/use-node.sh
bash tools/scripts/ensure-deps.sh
node -r @swc-node/register tools/stack/stack.ts up
npm run -s build
exec node -r @swc-node/register tools/start/run-services.ts "$@"

#!/usr/bin/env bash
# `npm run test:unit`: the pure tests only (`*.spec.ts`: domain rules, contracts, helpers), in parallel and
# without the stack, for the inner loop. `npm test` stays the full run (integration and end-to-end included).
# Extra arguments go to Jest (e.g. a path filter, or --watch).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/use-node.sh
bash tools/scripts/ensure-deps.sh
GRIDEX_TESTS=unit exec npx jest --maxWorkers=2 "$@"

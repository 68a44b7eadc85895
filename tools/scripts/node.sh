#!/usr/bin/env bash
# `node`, on Node 22 (installed first if the machine has an older one; see use-node.sh). The npm scripts run
# their tools through it.
set -euo pipefail
source "$(dirname "$0")/use-node.sh"
exec node "$@"

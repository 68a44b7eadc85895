#!/usr/bin/env bash
# `npm test`: every test of the project, on a fresh machine as on a developer's.
# Installs dependencies if needed (npm packages; Debian's Chromium for the console's browser tests), brings up the
# local stack (Kafka, PostgreSQL, Kubernetes, the chain), removes what test instances of earlier runs left on it (see
# libs/testing test-instances), type-checks and builds the services and the console (the end-to-end tests run the
# built processes), runs every Jest project, and ends with the plain total
# `N passed, N failed` read from Jest's JSON report. Extra arguments go to Jest (e.g. a path filter).
set -euo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/use-node.sh

bash tools/scripts/ensure-deps.sh
bash tools/scripts/ensure-chromium.sh
node -r @swc-node/register tools/stack/stack.ts up
node -r @swc-node/register libs/testing/src/sweep-test-instances.main.ts
npm run -s build
npm run -s lint

mkdir -p .stack
report=.stack/jest-report.json
rm -f "$report"
status=0
# One test file at a time: files share the stack's topics, and a service one file launches acts on every event
# of its type, not only that file's (a billing service rejects the holds of another file's tenants, and the
# orchestrator under test then stops that file's workloads).
npx jest --maxWorkers=1 --json --outputFile="$report" "$@" || status=$?

if [ ! -s "$report" ]; then
  echo "jest wrote no report (exit $status)"
  echo "0 passed, 1 failed"
  exit 1
fi
node -e '
  const report = require(process.argv[1]);
  const failed = report.numFailedTests + (report.numRuntimeErrorTestSuites || 0);
  console.log(`${report.numPassedTests} passed, ${failed} failed`);
  process.exit(failed > 0 || report.numTotalTests === 0 ? 1 : 0);
' "$PWD/$report" || status=1
exit "$status"

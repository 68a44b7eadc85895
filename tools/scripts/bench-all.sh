#!/usr/bin/env bash
# `npm run bench`: every `bench:*` script of package.json in turn (one failing does not stop the others), then
# `bench:summary`, which writes bench/results/summary.md and summary.json. Exits non-zero if any benchmark failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tools/scripts/use-node.sh
failed=()
for script in $(node -e "for (const name of Object.keys(require('./package.json').scripts)) if (/^bench:/.test(name) && name !== 'bench:summary') console.log(name)"); do
  echo "== npm run ${script}"
  npm run -s "${script}" || failed+=("${script}")
done
npm run -s bench:summary
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi

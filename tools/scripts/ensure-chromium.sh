#!/usr/bin/env bash
# The console's browser tests drive Debian's Chromium (no browser build is downloaded from anywhere else).
# Installs the `chromium` package when it is missing, as the stack installs PostgreSQL: with root, or sudo.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing and this is not a Debian machine: install Chromium and set CHROMIUM_PATH" >&2
  exit 1
fi
as_root=()
if [ "$(id -u)" != 0 ]; then as_root=(sudo -n); fi
echo "installing Debian's chromium for the console's browser tests ..."
"${as_root[@]}" apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -q --no-install-recommends chromium >/dev/null
chromium --version

# Sourced by the project's scripts: puts Node 22 (LTS) first on PATH. When the machine's node is older, the Node
# binary is installed once from the npm registry (the node-linux-<arch> package carries it) into
# ~/.cache/gridex/node-<version>, so a fresh clone on a machine with Node 20 needs nothing installed by hand.
GRIDEX_NODE_VERSION=22.23.5
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' >/dev/null 2>&1; then
  case "$(uname -m)" in
    x86_64) gridex_node_arch=x64 ;;
    aarch64 | arm64) gridex_node_arch=arm64 ;;
    *) echo "use-node: no Node package for $(uname -m)" >&2; exit 1 ;;
  esac
  gridex_node_dir="${XDG_CACHE_HOME:-$HOME/.cache}/gridex/node-$GRIDEX_NODE_VERSION"
  gridex_node_bin="$gridex_node_dir/node_modules/node-linux-$gridex_node_arch/bin"
  if [ ! -x "$gridex_node_bin/node" ]; then
    echo "installing Node $GRIDEX_NODE_VERSION into $gridex_node_dir (the machine has $(node --version 2>/dev/null || echo none)) ..."
    mkdir -p "$gridex_node_dir"
    npm install --prefix "$gridex_node_dir" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-$gridex_node_arch@$GRIDEX_NODE_VERSION"
  fi
  export PATH="$gridex_node_bin:$PATH"
fi

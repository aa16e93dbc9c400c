#!/usr/bin/env bash
# The hosted pages are tested in Debian's Chromium. Install it when we can (root with apt);
# otherwise the browser tests say they were skipped and why.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian chromium for the browser tests"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "== chromium not installed and not root: browser tests will be skipped" >&2
fi

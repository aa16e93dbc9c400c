#!/usr/bin/env bash
# The Ruby code samples (net/http) run under Debian's ruby. Install it when we can (root with apt);
# otherwise the Ruby samples are skipped and say why (CI sets REWARDKIT_REQUIRE_RUBY=1: a failure).
set -euo pipefail
if command -v ruby >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Debian ruby for the Ruby code samples"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ruby >/dev/null
else
  echo "== ruby not installed and not root: the Ruby code samples will be skipped" >&2
fi

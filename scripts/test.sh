#!/usr/bin/env bash
# `make test`: lint, then the whole suite on SQLite, then on PostgreSQL when one is reachable.
# CI sets REWARDKIT_REQUIRE_POSTGRES=1 and REWARDKIT_REQUIRE_REDIS=1, which turn a missing PostgreSQL
# or Redis (the shared rate limits' multi-process test) into a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${REWARDKIT_TEST_PG_URL:-postgresql+asyncpg://postgres@127.0.0.1:5432/test}"
REDIS_URL="${REWARDKIT_TEST_REDIS_URL:-redis://127.0.0.1:6379/1}"

bash scripts/ensure-chromium.sh || true
bash scripts/ensure-axe.sh || true
bash scripts/ensure-ruby.sh || true

echo "== lint (ruff, mypy, import contracts)"
$BIN/ruff check src tests scripts bench sdk
$BIN/mypy
$BIN/lint-imports

if $BIN/python scripts/redis_reachable.py "$REDIS_URL"; then
  REDIS_NOTE="== Redis at $REDIS_URL: the shared rate-limit tests ran"
elif [ "${REWARDKIT_REQUIRE_REDIS:-0}" = "1" ]; then
  echo "FAIL: Redis is required here (shared rate limits) but none answers at $REDIS_URL" >&2
  exit 1
else
  REDIS_NOTE="== Redis tests SKIPPED: no Redis at $REDIS_URL (set REWARDKIT_TEST_REDIS_URL to run tests/test_rate_limits_redis.py)"
fi
export REWARDKIT_TEST_REDIS_URL="$REDIS_URL"
echo "$REDIS_NOTE"

echo "== test suite on SQLite"
$BIN/pytest -q -p no:cacheprovider --db=sqlite "$@"

if $BIN/python scripts/pg_reachable.py "$PG_URL"; then
  echo "== test suite on PostgreSQL"
  REWARDKIT_TEST_PG_URL="$PG_URL" $BIN/pytest -q -p no:cacheprovider --db=postgresql "$@"
elif [ "${REWARDKIT_REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "FAIL: the PostgreSQL suite is required here but no server answers at $PG_URL" >&2
  exit 1
else
  echo "== PostgreSQL suite SKIPPED: no PostgreSQL at $PG_URL (set REWARDKIT_TEST_PG_URL to run it)"
fi
echo "$REDIS_NOTE"

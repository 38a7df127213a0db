#!/usr/bin/env bash
# The whole test suite: unit, property and integration tests (real PostgreSQL, Redis, PGlite) through turbo.
# Leaves one JSON report per package in .jest-results/ and prints a plain "N passed, N failed" line at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/services.sh || exit 1
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export CHECKPOINT_DISABLE=1 PRISMA_SCHEMA_DISABLE_ADVISORY_LOCK=1 TURBO_TELEMETRY_DISABLED=1
export JEST_RESULTS_DIR="$PWD/.jest-results"
rm -rf "$JEST_RESULTS_DIR" && mkdir -p "$JEST_RESULTS_DIR"
npx turbo run test --concurrency=1 "$@"
status=$?
node scripts/summarize-tests.js "$JEST_RESULTS_DIR" || status=1
exit $status

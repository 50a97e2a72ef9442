#!/usr/bin/env bash
# Runs every test: unit tests and end-to-end tests on real PostgreSQL, Redis, RabbitMQ and service processes.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh

# The alert rules' unit tests (observability/rules), fast and first.
promtool test rules observability/tests/*.yml

# Each run gets its own state folder, removed when the tests pass and kept (with every log) when they fail.
COMMERCE_TEST_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/commerce-tests.XXXXXX")"
chmod 755 "$COMMERCE_TEST_ROOT" # PostgreSQL runs as the postgres user and must reach its folder inside
export COMMERCE_TEST_ROOT

dotnet build Commerce.sln -c Release -warnaserror --nologo -v quiet
dotnet test Commerce.sln -c Release --no-build --nologo
rm -rf "$COMMERCE_TEST_ROOT"

#!/usr/bin/env bash
# Runs every test: unit tests and end-to-end tests on real PostgreSQL, Redis, RabbitMQ and service processes.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh

# The alert rules' unit tests (observability/rules), fast and first.
promtool test rules observability/tests/*.yml

# Each run starts from clean temporary state (the fixture keeps logs there for a failed run to be read).
rm -rf "${TMPDIR:-/tmp}/commerce-tests"

dotnet build Commerce.sln -c Release -warnaserror --nologo -v quiet
dotnet test Commerce.sln -c Release --no-build --nologo

#!/usr/bin/env bash
# Runs the whole system: installs what is missing, then starts the AppHost (Ctrl+C stops everything).
# Options go to the AppHost, e.g. ./run.sh --fresh   (see ./run.sh --help)
set -euo pipefail
cd "$(dirname "$0")"
./scripts/setup.sh
exec dotnet run --project AppHost -c Release -- "$@"

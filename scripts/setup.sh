#!/usr/bin/env bash
# Installs what Commerce needs from Debian's packages, only what is missing; quiet when everything is there.
#   postgresql, redis-server, rabbitmq-server: the infrastructure the AppHost starts
#   prometheus (with promtool): metrics, alert rules and their tests
#   prometheus-alertmanager: routes the alerts to people (Slack-compatible webhooks) or the operations page
#   kubectl: its kustomize renders deploy/kubernetes for the deployment tests
#   chromium: the dashboard's browser test;  wrk, hey: reference load generators the harness is checked against
set -euo pipefail

packages=(postgresql redis-server rabbitmq-server prometheus prometheus-alertmanager kubectl chromium wrk hey)
missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

echo "Installing ${missing[*]} ..."
# Debian starts a package's system service on install; the AppHost runs its own instances, so keep those off.
policy=/usr/sbin/policy-rc.d
placed_policy=false
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  placed_policy=true
fi
trap '$placed_policy && $sudo rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed ${missing[*]}."

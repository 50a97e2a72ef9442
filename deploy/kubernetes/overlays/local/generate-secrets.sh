#!/usr/bin/env bash
# Writes secrets.env (git-ignored, owner-only) with new random passwords and the connection strings built from them,
# once: an existing file is kept, so a redeploy does not lock the services out of their data.
set -euo pipefail
cd "$(dirname "$0")"
[ -f secrets.env ] && exit 0
hex() { od -An -tx1 -N16 /dev/urandom | tr -d ' \n'; }
postgres=$(hex); redis=$(hex); rabbitmq=$(hex)
umask 077
{
  echo "postgres-password=$postgres"
  echo "redis-password=$redis"
  echo "rabbitmq-password=$rabbitmq"
  for database in orderdb stockdb walletdb coupondb notificationdb; do
    echo "ConnectionStrings__$database=Host=postgres;Port=5432;Username=postgres;Password=$postgres;Database=$database"
  done
  echo "ConnectionStrings__redis=redis:6379,password=$redis"
  echo "ConnectionStrings__rabbitmq=amqp://commerce:$rabbitmq@rabbitmq:5672/"
  echo "Auth__SigningKey=$(head -c 32 /dev/urandom | base64)"
} > secrets.env
echo "Wrote $(pwd)/secrets.env"

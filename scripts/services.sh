#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on their usual loopback ports, for the integration tests.
# Order: already running → `docker compose up -d --wait` where a Docker engine runs → the distribution's servers
# where installed → stop with one sentence saying what to start.
set -u
PGHOST_=${PGHOST:-127.0.0.1}
PGPORT_=${PGPORT:-5432}
REDIS_PORT_=${REDIS_PORT:-6379}

up() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
both_up() { up "$PGHOST_" "$PGPORT_" && up 127.0.0.1 "$REDIS_PORT_"; }
wait_up() {
  for _ in $(seq 1 60); do both_up && return 0; sleep 1; done
  return 1
}

both_up && exit 0

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "services: starting PostgreSQL and Redis with docker compose" >&2
  docker compose up -d --wait postgres redis && wait_up && exit 0
fi

if ! up "$PGHOST_" "$PGPORT_" && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  echo "services: starting the installed PostgreSQL cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start >&2 || true
fi
if ! up 127.0.0.1 "$REDIS_PORT_" && command -v redis-server >/dev/null 2>&1; then
  echo "services: starting the installed Redis server" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT_" --save "" --appendonly no >&2 || true
fi
wait_up && exit 0

echo "The integration tests need PostgreSQL on $PGHOST_:$PGPORT_ and Redis on 127.0.0.1:$REDIS_PORT_: start them (for example with 'docker compose up -d postgres redis') and run the tests again." >&2
exit 1

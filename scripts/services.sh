#!/usr/bin/env bash
# Idempotent set-up of the services Bosai Hub needs: PostgreSQL 15 + PostGIS, Mosquitto, and the tools the tests
# and benchmarks use (GDAL, Chromium, pgbench, wrk, docker-compose, nginx: the tests run private instances of it).
# On Debian as root it installs what is missing with apt, starts what is not running, tunes the development broker
# and creates the database. Elsewhere it explains how to use docker compose. Quiet when there is nothing to do; prints every action it takes.
set -euo pipefail

DATABASE_URL="${BOSAI_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/bosai}"
MQTT_URL="${BOSAI_MQTT_URL:-mqtt://127.0.0.1:1883}"
PACKAGES=(postgresql-15-postgis-3 postgresql-contrib mosquitto mosquitto-clients gdal-bin chromium fonts-noto-cjk fonts-noto-color-emoji wrk docker-compose nginx)
MOSQUITTO_CONF=/etc/mosquitto/mosquitto.conf
DROPIN=/etc/mosquitto/conf.d/bosai-dev.conf
PIDFILE=/run/mosquitto/mosquitto.pid
WAIT_SECONDS=30

say() { printf '[services] %s\n' "$*"; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

# DB_HOST DB_PORT DB_USER DB_PASSWORD DB_NAME MQTT_HOST MQTT_PORT MQTT_USER MQTT_PASSWORD, shell-quoted.
eval "$(python3 - "$DATABASE_URL" "$MQTT_URL" <<'PY'
import shlex, sys
from urllib.parse import unquote, urlsplit
db, mq = urlsplit(sys.argv[1]), urlsplit(sys.argv[2])
values = {
    "DB_HOST": db.hostname or "127.0.0.1", "DB_PORT": db.port or 5432, "DB_USER": unquote(db.username or "postgres"),
    "DB_PASSWORD": unquote(db.password or ""), "DB_NAME": unquote(db.path.lstrip("/")) or "bosai",
    "MQTT_HOST": mq.hostname or "127.0.0.1", "MQTT_PORT": mq.port or (8883 if mq.scheme == "mqtts" else 1883),
    "MQTT_USER": unquote(mq.username or ""), "MQTT_PASSWORD": unquote(mq.password or ""),
}
print("\n".join(f"{k}={shlex.quote(str(v))}" for k, v in values.items()))
PY
)"
[[ -n $DB_PASSWORD ]] && export PGPASSWORD="$DB_PASSWORD"

is_local() { [[ $1 == 127.0.0.1 || $1 == localhost || $1 == ::1 ]]; }
tcp_up() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

pg_up() {
  if command -v pg_isready >/dev/null; then pg_isready -q -h "$DB_HOST" -p "$DB_PORT"; else tcp_up "$DB_HOST" "$DB_PORT"; fi
}

# A real MQTT round trip (with the URL's credentials, anonymous if none), not just an open port.
mqtt_up() {
  command -v mosquitto_pub >/dev/null || { tcp_up "$MQTT_HOST" "$MQTT_PORT"; return; }
  local auth=()
  [[ -n $MQTT_USER ]] && auth=(-u "$MQTT_USER" -P "$MQTT_PASSWORD")
  timeout 5 mosquitto_pub -h "$MQTT_HOST" -p "$MQTT_PORT" "${auth[@]}" -t bosai/ping -m x -q 0 2>/dev/null
}

wait_for() {  # name, check function
  local i
  for ((i = 0; i < WAIT_SECONDS * 2; i++)); do "$2" && return 0; sleep 0.5; done
  return 1
}

ensure_database() {
  local psql=(psql -X -q -v ON_ERROR_STOP=1 -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -v "name=$DB_NAME")
  if [[ -z $("${psql[@]}" -d postgres -tA <<<"SELECT 1 FROM pg_database WHERE datname = :'name'") ]]; then
    say "creating database $DB_NAME"
    "${psql[@]}" -d postgres <<<'CREATE DATABASE :"name"'
  fi
  if [[ -z $("${psql[@]}" -d "$DB_NAME" -tA <<<"SELECT 1 FROM pg_extension WHERE extname = 'postgis'") ]]; then
    say "creating extension postgis in $DB_NAME"
    "${psql[@]}" -d "$DB_NAME" <<<'CREATE EXTENSION IF NOT EXISTS postgis'
  fi
}

# ---------------------------------------------------------------------------------------------------------------
# Not Debian as root: nothing is installed or started here; docker compose provides the services.
if ! [[ -f /etc/debian_version && $(id -u) -eq 0 ]] || ! command -v apt-get >/dev/null; then
  if pg_up && mqtt_up; then
    command -v psql >/dev/null && ensure_database
    exit 0
  fi
  pg_up || say "PostgreSQL does not answer on $DB_HOST:$DB_PORT." >&2
  mqtt_up || say "Mosquitto does not answer on $MQTT_HOST:$MQTT_PORT." >&2
  cat >&2 <<EOF
[services] This script installs and starts services only on Debian as root. Elsewhere use docker compose:
[services]   export POSTGRES_PASSWORD=... MQTT_INGEST_PASSWORD=... MQTT_SIM_PASSWORD=... BOSAI_JWT_SECRET=...
[services]   (create deploy/mosquitto/passwd first, see deploy/mosquitto/README.md)
[services]   (and deploy/certs/{fullchain,privkey}.pem for the broker's TLS listener: deploy/nginx/README.md)
[services]   docker compose up -d db mqtt
[services]   export BOSAI_DATABASE_URL=postgresql+psycopg://postgres:\$POSTGRES_PASSWORD@127.0.0.1:5432/bosai
[services]   export BOSAI_MQTT_URL=mqtt://bosai-ingest:\$MQTT_INGEST_PASSWORD@127.0.0.1:1883
[services] then run this script again.
EOF
  exit 1
fi

# ---------------------------------------------------------------------------------------------------------------
# Packages: one apt-get update and one apt-get install, only if something is missing.
missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ $(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) == "install ok installed" ]] || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No recommends: docker-compose would pull in the whole docker.io engine.
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------------------------------------------------------
# PostgreSQL.
if ! pg_up; then
  is_local "$DB_HOST" || die "PostgreSQL on $DB_HOST:$DB_PORT does not answer (not a local server; start it there)"
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect 15 main start || service postgresql start
  wait_for PostgreSQL pg_up || die "PostgreSQL does not answer on $DB_HOST:$DB_PORT after ${WAIT_SECONDS}s"
fi

# ---------------------------------------------------------------------------------------------------------------
# Mosquitto. Its default max_queued_messages (1000) silently drops a persistent session's QoS 1 backlog while the
# ingestor is down; the tests kill the ingestor under load and expect nothing lost. The drop-in lifts the limit and,
# only if the system config defines no listener (Mosquitto 2 then listens on loopback anonymously, but a drop-in
# with any listener would switch that off), adds the loopback listener with anonymous access explicitly.
broker_pid() {  # the running system broker (started with $MOSQUITTO_CONF), if any
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
    pid=$(ss -Hltnp "sport = :1883" 2>/dev/null | grep -o 'pid=[0-9]*' | head -n1 | cut -d= -f2 || true)
  fi
  [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "mosquitto.* $MOSQUITTO_CONF" && echo "$pid"
  return 0
}

desired_dropin() {
  cat <<'CONF'
# Bosai Hub development broker settings (written by scripts/services.sh; edits are overwritten).
# Keep a persistent session's QoS 1 backlog instead of dropping it beyond the default 1000 messages.
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 100
# Forget abandoned persistent sessions (e.g. of killed test ingestors) instead of queueing for them forever.
persistent_client_expiration 1d
CONF
  local others=("$MOSQUITTO_CONF")
  for f in /etc/mosquitto/conf.d/*.conf; do [[ -f $f && $f != "$DROPIN" ]] && others+=("$f"); done
  if ! grep -Eqs '^[[:space:]]*(listener|port)[[:space:]]' "${others[@]}"; then
    printf '%s\n' '# The system config defines no listener: local-only anonymous access, as the tests need.' \
      'listener 1883 127.0.0.1' 'allow_anonymous true'
  fi
}

restart=0
if [[ -f $MOSQUITTO_CONF ]]; then
  if ! grep -Eq '^[[:space:]]*include_dir[[:space:]]+/etc/mosquitto/conf.d/?[[:space:]]*$' "$MOSQUITTO_CONF"; then
    say "adding include_dir /etc/mosquitto/conf.d to $MOSQUITTO_CONF"
    echo 'include_dir /etc/mosquitto/conf.d' >>"$MOSQUITTO_CONF"
    restart=1
  fi
  mkdir -p /etc/mosquitto/conf.d
  if [[ $(cat "$DROPIN" 2>/dev/null) != "$(desired_dropin)" ]]; then
    say "writing $DROPIN (unlimited QoS 1 queue)"
    desired_dropin >"$DROPIN"
    restart=1
  fi
  pid=$(broker_pid)
  # A broker started before the drop-in was written runs without it (e.g. after an interrupted run).
  if [[ -n $pid ]] && (($(date +%s) - $(ps -o etimes= -p "$pid") < $(stat -c %Y "$DROPIN"))); then restart=1; fi
  if ((restart)) && [[ -n $pid ]]; then
    say "restarting Mosquitto (pid $pid) to load its new configuration"
    kill "$pid"
    for ((i = 0; i < WAIT_SECONDS * 4; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    ! kill -0 "$pid" 2>/dev/null || die "Mosquitto (pid $pid) did not stop within ${WAIT_SECONDS}s"
  fi
fi

if ! mqtt_up; then
  is_local "$MQTT_HOST" || die "Mosquitto on $MQTT_HOST:$MQTT_PORT does not answer (not a local broker; start it there)"
  if [[ -z $(broker_pid) ]]; then
    say "starting Mosquitto"
    install -d -o mosquitto -g mosquitto /run/mosquitto /var/log/mosquitto /var/lib/mosquitto
    mosquitto -d -c "$MOSQUITTO_CONF" || die "mosquitto -c $MOSQUITTO_CONF failed (see the message above)"
  fi
  if ! wait_for Mosquitto mqtt_up; then
    tail -n 5 /var/log/mosquitto/mosquitto.log >&2 2>/dev/null || true
    die "Mosquitto does not accept $([[ -n $MQTT_USER ]] && echo "user $MQTT_USER" || echo anonymous) clients" \
      "on $MQTT_HOST:$MQTT_PORT after ${WAIT_SECONDS}s (check $MOSQUITTO_CONF and /etc/mosquitto/conf.d/)"
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
ensure_database

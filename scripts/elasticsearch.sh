#!/usr/bin/env bash
# A local single-node Elasticsearch for tests and development: scripts/elasticsearch.sh
#   start   fetch the distribution through Maven (once), unpack it into ./.services/, run it on
#           127.0.0.1:$ES_PORT and wait until the cluster is yellow or green
#   stop    stop the node started by `start`
#   status  print the cluster health (exit 1 when the node is not answering)
#   env     print the variables the tests read: eval "$(scripts/elasticsearch.sh env)"; besides
#           the URL, the unpacked distribution (THAIGOV_ES_HOME) and the Java 21+ chosen below
#           (ES_JAVA_HOME), from which tests/test_elasticsearch_failover.py starts its two nodes
#
# The distribution is Maven's org.elasticsearch.distribution.integ-test-zip (no bundled JDK,
# only the core modules: no analysis-common, so no `thai`/`english` analyzers; see
# docs/elasticsearch.md). Security is off and the disk watermarks are disabled: this node is for
# tests on a laptop, never for data that matters. Elasticsearch refuses to run as root, so as
# root the node runs as the unprivileged user thaigov-es (created when missing).
#
# Java: Elasticsearch 9.x needs Java 21 or newer. ES_JAVA_HOME, else JAVA_HOME if it is 21+,
# else the Temurin 25 JDK, else the newest 21+ JDK under /usr/lib/jvm. With no Java 21+ the
# script stops with an error that says so; the fallback is ES_VERSION=8.19.x, which runs on
# Java 17 (then install the matching 8.x Python client too).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ES_VERSION=${ES_VERSION:-9.2.0}
ES_PORT=${ES_PORT:-9200}
ES_HEAP=${ES_HEAP:-512m}
ES_START_TIMEOUT=${ES_START_TIMEOUT:-180}
ES_USER=${ES_USER:-thaigov-es}
SERVICES=${THAIGOV_SERVICES_DIR:-$ROOT/.services}
ES_HOME=$SERVICES/elasticsearch-$ES_VERSION
ES_DATA=$SERVICES/elasticsearch-data-$ES_PORT
ES_LOGS=$SERVICES/elasticsearch-logs-$ES_PORT
PID_FILE=$SERVICES/elasticsearch-$ES_PORT.pid
URL="http://127.0.0.1:$ES_PORT"
ARTIFACT="org.elasticsearch.distribution.integ-test-zip:elasticsearch:$ES_VERSION:zip"

die() { echo "elasticsearch.sh: $*" >&2; exit 1; }
log() { echo "elasticsearch.sh: $*" >&2; }

java_major() { # prints the major version of $1/bin/java, or nothing
  [ -x "$1/bin/java" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_java() {
  local candidate major best="" best_major=0
  for candidate in "${ES_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 \
    /usr/lib/jvm/*; do
    [ -n "$candidate" ] || continue
    major=$(java_major "$candidate")
    [ -n "$major" ] || continue
    if [ "$major" -ge 21 ]; then
      # The first explicit choice wins; otherwise keep the newest found.
      if [ "$candidate" = "${ES_JAVA_HOME:-}" ] || [ "$candidate" = "${JAVA_HOME:-}" ]; then
        echo "$candidate"; return 0
      fi
      if [ "$major" -gt "$best_major" ]; then best=$candidate; best_major=$major; fi
    fi
  done
  [ -n "$best" ] || return 1
  echo "$best"
}

healthy() { # cluster health yellow/green within a short request timeout
  python3 - "$URL" <<'PY' 2>/dev/null
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1] + "/_cluster/health", timeout=3) as r:
        status = json.load(r)["status"]
except Exception:
    sys.exit(1)
sys.exit(0 if status in ("yellow", "green") else 1)
PY
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

fetch() {
  [ -x "$ES_HOME/bin/elasticsearch" ] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Elasticsearch: apt-get install maven"
  command -v unzip >/dev/null || die "unzip is needed: apt-get install unzip"
  mkdir -p "$SERVICES/downloads"
  local zip="$SERVICES/downloads/elasticsearch-$ES_VERSION.zip"
  if [ ! -s "$zip" ]; then
    log "fetching $ARTIFACT through Maven (cached in ~/.m2 afterwards)"
    mvn -B -q dependency:copy -Dartifact="$ARTIFACT" -DoutputDirectory="$SERVICES/downloads" \
      || die "Maven could not fetch $ARTIFACT"
  fi
  log "unpacking into $ES_HOME"
  rm -rf "$ES_HOME.partial"
  mkdir -p "$ES_HOME.partial"
  unzip -q "$zip" -d "$ES_HOME.partial"
  mv "$ES_HOME.partial/elasticsearch-$ES_VERSION" "$ES_HOME"
  rmdir "$ES_HOME.partial"
}

as_es_user() { # run "$@" as the unprivileged user when we are root
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$ES_USER" -- "$@"
  else
    "$@"
  fi
}

prepare_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id "$ES_USER" >/dev/null 2>&1; then
    log "creating the unprivileged user $ES_USER (Elasticsearch refuses to run as root)"
    useradd --system --no-create-home --shell /usr/sbin/nologin "$ES_USER"
  fi
  # The node writes its keystore/config, data and logs; everything else stays root-owned.
  chown -R "$ES_USER:" "$ES_HOME/config" "$ES_DATA" "$ES_LOGS"
  chown "$ES_USER:" "$ES_HOME" "$SERVICES"
}

start() {
  if running_pid >/dev/null; then
    healthy && { log "already running on $URL"; return 0; }
  else
    rm -f "$PID_FILE"
  fi
  local java
  java=$(find_java) || die "no Java 21+ found (Elasticsearch $ES_VERSION needs it). Install a \
JDK 21+ (e.g. Temurin 25) and set ES_JAVA_HOME, or use ES_VERSION=8.19.x, which runs on Java 17."
  fetch
  mkdir -p "$ES_DATA" "$ES_LOGS"
  prepare_user
  log "starting Elasticsearch $ES_VERSION on $URL (Java: $java, heap $ES_HEAP)"
  # -E settings instead of editing elasticsearch.yml, so the unpacked tree stays pristine.
  as_es_user env ES_JAVA_HOME="$java" ES_JAVA_OPTS="-Xms$ES_HEAP -Xmx$ES_HEAP" \
    "$ES_HOME/bin/elasticsearch" -d -p "$PID_FILE" \
    -E cluster.name=thaigov-dev -E node.name=thaigov-dev-"$ES_PORT" \
    -E discovery.type=single-node \
    -E network.host=127.0.0.1 -E http.port="$ES_PORT" -E transport.port=0 \
    -E path.data="$ES_DATA" -E path.logs="$ES_LOGS" \
    -E xpack.security.enabled=false \
    -E cluster.routing.allocation.disk.threshold_enabled=false \
    -E action.auto_create_index=true \
    >"$ES_LOGS/startup.out" 2>&1 \
    || { cat "$ES_LOGS/startup.out" >&2; die "Elasticsearch failed to start (logs: $ES_LOGS)"; }
  local waited=0
  until healthy; do
    if ! running_pid >/dev/null && [ "$waited" -gt 5 ]; then
      tail -n 30 "$ES_LOGS/thaigov-dev.log" >&2 2>/dev/null || true
      die "Elasticsearch exited during startup (logs: $ES_LOGS)"
    fi
    if [ "$waited" -ge "$ES_START_TIMEOUT" ]; then
      tail -n 30 "$ES_LOGS/thaigov-dev.log" >&2 2>/dev/null || true
      die "Elasticsearch not healthy after ${ES_START_TIMEOUT}s (ES_START_TIMEOUT; logs: $ES_LOGS)"
    fi
    sleep 2
    waited=$((waited + 2))
  done
  log "healthy on $URL after ~${waited}s"
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    log "not running"
    rm -f "$PID_FILE"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; log "stopped"; return 0; }
    sleep 0.5
  done
  log "still running after 30s; sending SIGKILL to $pid"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

status() {
  if healthy; then
    python3 -c 'import json,sys,urllib.request as u; print(json.dumps(json.load(u.urlopen(sys.argv[1]+"/_cluster/health",timeout=3)),indent=1))' "$URL"
  else
    echo "Elasticsearch is not answering on $URL"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env)
    echo "export THAIGOV_TEST_ELASTICSEARCH_URL=$URL"
    echo "export THAIGOV_ES_HOME=$ES_HOME"
    if java=$(find_java); then echo "export ES_JAVA_HOME=$java"; fi
    ;;
  *) echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac

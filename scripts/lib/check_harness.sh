# shellcheck shell=bash
# What the scripts/check_*.sh end-to-end checks share: a scratch folder removed on exit (KEEP=1
# keeps it), background processes stopped on exit, timed steps, a failure message naming the
# check, a free port, and the local replica of the site served from this checkout.
#
#   cd "$(dirname "$0")/.."; source scripts/lib/check_harness.sh check_wheel
#
# Sets checkout, python (PYTHON, default python3: builds the fresh virtualenvs),
# checkout_python (CHECKOUT_PYTHON, default .venv/bin/python: runs the replica and the checks),
# work (the scratch folder) and pids (processes to stop on exit).
check_name=$1
checkout=$PWD
python=${PYTHON:-python3}
checkout_python=${CHECKOUT_PYTHON:-$checkout/.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/thaigov-${check_name#check_}.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
started=$(date +%s)
step() { printf -- '--- %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }
fail() { echo "$check_name: FAILED: $*" >&2; exit 1; }
free_port() { "$checkout_python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_replica: serve tests/replica on a free port (replica_port), log in $work/replica.log,
# and wait up to 10 s for it to answer.
start_replica() {
  replica_port=$(free_port)
  (cd "$checkout" && exec "$checkout_python" -m tests.replica --port "$replica_port") \
    > "$work/replica.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$replica_port/robots.txt" >/dev/null && return 0
    sleep 0.1
  done
  fail "the replica did not start: $(tail -5 "$work/replica.log")"
}

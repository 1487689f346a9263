#!/usr/bin/env bash
# Scrapyd for real, as docs/deploy.md tells an operator: a Scrapyd virtualenv with the
# project's dependencies but NOT the project (an installed copy would shadow every deployed egg),
# `scrapyd-deploy` from a copy of this checkout, then a replica crawl scheduled with per-job
# settings for every path, and a job that fails. Checks: the egg is accepted, the articles are in
# the job's archive, both jobs have run records with their exit status (Scrapyd lists both as
# "finished"), each job log ends with the summary line, nothing lands in Scrapyd's directory.
#
#   scripts/check_scrapyd.sh            # uses .venv/bin/python for the replica and the checks
#   SCRAPYD_VENV=/path KEEP=1 scripts/check_scrapyd.sh   # reuse a Scrapyd venv, keep the files
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/check_harness.sh check_scrapyd
venv=${SCRAPYD_VENV:-$work/scrapyd-venv}

step "Scrapyd virtualenv (dependencies only, not the project): $venv"
if [ ! -x "$venv/bin/scrapyd" ]; then
  "$python" -m venv "$venv"
  "$venv/bin/python" - "$checkout/pyproject.toml" > "$work/requirements.txt" <<'EOF'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["scrapyd"]))
EOF
  "$venv/bin/pip" install -q -r "$work/requirements.txt"
fi
if (cd / && env -u PYTHONPATH "$venv/bin/python" -c 'import thaigov_crawler' 2>/dev/null); then
  fail "thaigov-archive is installed in the Scrapyd venv: it would shadow the deployed egg"
fi

step "replica of the site and Scrapyd on 127.0.0.1"
start_replica
scrapyd_port=$(free_port)
mkdir -p "$work/scrapyd" "$work/home" "$work/jobs"
cat > "$work/scrapyd/scrapyd.conf" <<EOF
[scrapyd]
bind_address = 127.0.0.1
http_port = $scrapyd_port
eggs_dir = $work/scrapyd/eggs
logs_dir = $work/scrapyd/logs
dbs_dir = $work/scrapyd/dbs
items_dir =
poll_interval = 1
max_proc = 1
EOF
# Scrapyd runs jobs in its own directory; HOME is a scratch folder so nothing lands in ours.
(cd "$work/scrapyd" && exec env -u PYTHONPATH HOME="$work/home" "$venv/bin/scrapyd") \
  > "$work/scrapyd.log" 2>&1 &
pids+=($!)
scrapyd="http://127.0.0.1:$scrapyd_port"
for _ in $(seq 100); do
  curl -sf "$scrapyd/daemonstatus.json" >/dev/null && break
  sleep 0.2
done
curl -sf "$scrapyd/daemonstatus.json" >/dev/null || fail "Scrapyd did not start: $(tail -5 "$work/scrapyd.log")"

step "scrapyd-deploy from a copy of the checkout"
mkdir "$work/src"
git ls-files -co --exclude-standard -z | xargs -0 tar -cf - | tar -xf - -C "$work/src"
printf '\n[deploy:check]\nurl = %s/\nproject = thaigov_crawler\n' "$scrapyd" >> "$work/src/scrapy.cfg"
(cd "$work/src" && env -u PYTHONPATH "$venv/bin/scrapyd-deploy" check --version ci) > "$work/deploy.json"
cat "$work/deploy.json"
# scrapyd-deploy exits 0 even when Scrapyd refuses the egg: read Scrapyd's answer.
grep -q '"status": "ok"' "$work/deploy.json" || fail "Scrapyd refused the egg"
# Compare names with the checkout's own `scrapy list`, not a count: adding a spider must not
# break this check, a spider missing from the egg must.
curl -sf "$scrapyd/listspiders.json?project=thaigov_crawler" > "$work/spiders.json"
(cd "$checkout" && "$checkout_python" -m scrapy list) > "$work/spiders.expected"
"$checkout_python" - "$work/spiders.json" "$work/spiders.expected" <<'EOF' || fail "the egg does not list the project's spiders: $(cat "$work/spiders.json")"
import json, sys
listed = set(json.load(open(sys.argv[1]))["spiders"])
expected = set(open(sys.argv[2]).read().split())
sys.exit(0 if expected and listed == expected else f"spiders listed {sorted(listed)}, expected {sorted(expected)}")
EOF

schedule() {  # schedule ARGS... -> job id
  curl -sf "$scrapyd/schedule.json" -d project=thaigov_crawler -d spider=thaigov \
    -d setting=DOWNLOAD_DELAY=0 -d setting=AUTOTHROTTLE_ENABLED=False \
    -d setting=DOWNLOAD_MAXSIZE=200000 \
    -d "setting=THAIGOV_DATA_DIR=$work/jobs" \
    -d "setting=THAIGOV_ARCHIVE_URL=sqlite:///$work/jobs/archive.sqlite3" \
    -d "setting=THAIGOV_SEARCH_PATH=$work/jobs/search.sqlite3" \
    -d "setting=THAIGOV_STATS_FILE=$work/jobs/stats.json" "$@" |
    "$checkout_python" -c 'import json,sys; a=json.load(sys.stdin); assert a["status"]=="ok", a; print(a["jobid"])'
}
wait_finished() {  # wait_finished JOB
  for _ in $(seq 600); do
    if curl -sf "$scrapyd/listjobs.json?project=thaigov_crawler" |
      "$checkout_python" -c 'import json,sys; sys.exit(0 if sys.argv[1] in [j["id"] for j in json.load(sys.stdin)["finished"]] else 1)' "$1"; then
      return 0
    fi
    sleep 0.5
  done
  fail "job $1 did not finish: $(tail -5 "$work/scrapyd/logs/thaigov_crawler/thaigov/$1.log")"
}

step "a replica crawl, then a job whose site is unreachable"
good=$(schedule -d start_id=1001 -d end_id=1030 \
  -d "setting=THAIGOV_BASE_URL=http://127.0.0.1:$replica_port")
wait_finished "$good"
dead_port=$(free_port)  # nothing listens there
bad=$(schedule -d ids=1001,1002 -d setting=RETRY_TIMES=0 \
  -d "setting=THAIGOV_BASE_URL=http://127.0.0.1:$dead_port")
wait_finished "$bad"
curl -sf "$scrapyd/listjobs.json?project=thaigov_crawler"; echo

step "what the operator sees: thaigov runs, the archive, the logs"
PYTHONPATH="$checkout" HOME="$work/home" "$checkout_python" -m search.cli runs \
  --url "sqlite:///$work/jobs/archive.sqlite3" --json > "$work/runs.json"
COLUMNS=160 PYTHONPATH="$checkout" HOME="$work/home" "$checkout_python" -m search.cli runs \
  --url "sqlite:///$work/jobs/archive.sqlite3"
"$checkout_python" - "$work" "$good" "$bad" <<'EOF'
import json, sqlite3, sys
from pathlib import Path

work, good, bad = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
sys.path.insert(0, ".")
from tests.replica import fixtures as fx

runs = {r["arguments"].get("scrapyd_job"): r for r in json.loads((work / "runs.json").read_text())}
assert set(runs) == {good, bad}, runs.keys()
ok, failed = runs[good], runs[bad]
assert (ok["status"], ok["exit_code"]) == ("finished", 0), ok
assert (failed["status"], failed["exit_code"]) == ("failed", 5), failed
db = sqlite3.connect(work / "jobs" / "archive.sqlite3")
archived = {row[0] for row in db.execute("select article_id from articles")}
assert archived == set(fx.ARTICLE_IDS), sorted(archived ^ set(fx.ARTICLE_IDS))
assert ok["stats"]["archive/inserted"] == len(fx.ARTICLE_IDS)
search = sqlite3.connect(work / "jobs" / "search.sqlite3")
assert search.execute("select count(*) from sqlite_master").fetchone()[0] > 0
for job, code in ((good, 0), (bad, 5)):
    log = work / "scrapyd" / "logs" / "thaigov_crawler" / "thaigov" / f"{job}.log"
    last = log.read_text(encoding="utf-8").strip().splitlines()[-1]
    assert "thaigov run summary:" in last and f"exit_code={code} " in last, last
    print(f"job {job}: {last.split('INFO: ')[-1].split('WARNING: ')[-1]}")
assert not (work / "scrapyd" / "data").exists(), "a default path landed in Scrapyd's directory"
print(f"articles archived: {len(archived)}; run records: ok exit 0, failed exit 5")
EOF
step "a copy of the project installed in Scrapyd's venv is refused, not silently used"
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$work/src" > "$site/zz-thaigov-shadow-check.pth"
shadowed=$(schedule -d ids=1001 -d "setting=THAIGOV_BASE_URL=http://127.0.0.1:$replica_port")
wait_finished "$shadowed"
rm -f "$site/zz-thaigov-shadow-check.pth"
grep -q "is shadowed by thaigov-archive installed in this environment" \
  "$work/scrapyd/logs/thaigov_crawler/thaigov/$shadowed.log" || fail "shadowing not reported"
tail -n1 "$work/scrapyd/logs/thaigov_crawler/thaigov/$shadowed.log" | grep -q "exit_code=1 " ||
  fail "the shadowed job's log does not end with exit_code=1"
step "check_scrapyd: OK"

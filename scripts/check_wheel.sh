#!/usr/bin/env bash
# The installed package, as an operator runs it: build the wheel, install it (no extras) into a
# fresh virtualenv, then from a directory with no checkout, no PYTHONPATH and a home directory
# that cannot be created, run import-corpus (a small sample generated from the test fixtures),
# crawl (the local replica, served from this checkout), search, serve and export. Prints the
# install size and each step's time.
#
#   scripts/check_wheel.sh                  # .venv/bin/python serves the replica
#   KEEP=1 PYTHON=python3.11 scripts/check_wheel.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/check_harness.sh check_wheel

step "build the wheel with setuptools at the build floor (77.0.3: the first that reads license = \"MIT\")"
echo "setuptools==77.0.3" > "$work/build-constraints.txt"
"$checkout_python" -m pip wheel -q --no-deps --build-constraint "$work/build-constraints.txt" \
  -w "$work/dist" "$checkout"
wheel=$(ls "$work"/dist/thaigov_archive-*.whl)
echo "$wheel"

step "install it into a fresh virtualenv (no extras)"
"$python" -m venv "$work/venv"
base_size=$(du -sm "$work/venv" | cut -f1)
"$work/venv/bin/pip" install -q "$wheel"
echo "install size without extras: $(( $(du -sm "$work/venv" | cut -f1) - base_size )) MiB"
thaigov=$work/venv/bin/thaigov

# The operator's world: no checkout, no PYTHONPATH, HOME below a regular file (even root cannot
# create it), only what the environment variables below say.
mkdir -p "$work/run"
touch "$work/home-is-a-file"
operator_env=(env -i PATH="$work/venv/bin:/usr/bin:/bin" LANG=C.UTF-8 COLUMNS=120
  HOME="$work/home-is-a-file/home" ${PYTHAINLP_DATA:+PYTHAINLP_DATA="$PYTHAINLP_DATA"})
run() { (cd "$work/run" && exec "${operator_env[@]}" "$@"); }
run python -c 'import thaigov_crawler, search, pipelines, sys; assert "/venv/" in search.__file__, search.__file__'

step "import-corpus: a sample generated from the test fixtures"
PYTHONPATH="$checkout" "$checkout_python" - "$work/corpus" <<'EOF'
import sys
from pathlib import Path
from pipelines.core.corpus_format import render_corpus_file
from tests.web_fixtures import ARTICLES, RICE
for article in ARTICLES:
    relative, text = render_corpus_file(dict(article))
    target = Path(sys.argv[1]) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
print(f"{len(ARTICLES)} corpus files")
rice = [a for a in ARTICLES if RICE in a["title"] + a["body"]]
(Path(sys.argv[1]).parent / "rice-count").write_text(str(len(rice)))
EOF
run "$thaigov" import-corpus "$work/corpus"
[ -f "$work/run/data/thaigov.sqlite3" ] || fail "import-corpus did not create ./data/thaigov.sqlite3"

step "crawl: the local replica"
start_replica
run "$thaigov" crawl -a start_id=1001 -a end_id=1030 \
  -s "THAIGOV_BASE_URL=http://127.0.0.1:$replica_port" -s DOWNLOAD_DELAY=0 \
  -s AUTOTHROTTLE_ENABLED=False -s DOWNLOAD_MAXSIZE=200000 2> "$work/crawl.log" ||
  fail "crawl exited $?: $(tail -5 "$work/crawl.log")"
tail -n1 "$work/crawl.log"
tail -n1 "$work/crawl.log" | grep -q "thaigov run summary: exit_code=0 " || fail "no summary line"
run "$thaigov" runs

step "search"
run "$thaigov" search 'ข้าว' --json > "$work/search.jsonl"
hits=$(wc -l < "$work/search.jsonl")
expected=$(cat "$work/rice-count")
echo "ข้าว: $hits hits ($expected sample articles hold the word)"
[ "$hits" -eq "$expected" ] || fail "expected $expected hits, got $hits"

step "serve"
serve_port=$(free_port)
# One process (exec), so that the cleanup's kill reaches the server itself.
(cd "$work/run" && exec "${operator_env[@]}" "$thaigov" serve --port "$serve_port" \
  --root-path /thaigov) > "$work/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do
  curl -sf "http://127.0.0.1:$serve_port/api/search?q=x" >/dev/null && break
  sleep 0.1
done
curl -sf "http://127.0.0.1:$serve_port/?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7" > "$work/page.html" ||
  fail "the search page did not answer: $(tail -5 "$work/serve.log")"
grep -q 'href="/thaigov/static/style.css"' "$work/page.html" || fail "links ignore --root-path"
curl -sf "http://127.0.0.1:$serve_port/static/style.css" >/dev/null || fail "no stylesheet"
curl -sf "http://127.0.0.1:$serve_port/api/articles/1001" | grep -q '"article_id": *1001' ||
  fail "the API does not serve a crawled article"

step "export"
run "$thaigov" export -f jsonl -o export.jsonl
exported=$(wc -l < "$work/run/export.jsonl")
echo "exported $exported articles"
[ "$exported" -ge 20 ] || fail "expected the sample and the crawl in the export, got $exported"
if run "$thaigov" export -f parquet -o export.parquet 2> "$work/parquet.err"; then
  fail "parquet export without the [parquet] extra should fail"
fi
cat "$work/parquet.err"
grep -q "pip install 'thaigov-archive\[parquet\]'" "$work/parquet.err" || fail "no install hint"

step "nothing outside the working directory's data/ and the outputs"
(cd "$work/run" && find . -maxdepth 2 | sort)
step "check_wheel: OK"

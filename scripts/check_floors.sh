#!/usr/bin/env bash
# The riskiest runtime dependencies at the lowest version pyproject.toml allows (">=X" pinned to
# "==X"; the others resolve as pip would), in a fresh virtualenv, then the tests that exercise
# them most: the command line outside a checkout (Typer, Scrapy, SQLAlchemy, Alembic, PyThaiNLP)
# and the web app (FastAPI, Starlette, uvicorn). A floor that is too low fails here instead of
# on a user's machine. ALL=1 pins every dependency (slow: several build from source).
#
#   scripts/check_floors.sh [pytest args...]      # default: the two test files below
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/thaigov-floors.XXXXXX")
trap 'rm -rf "$work"' EXIT
RISKIEST="scrapy typer pythainlp sqlalchemy alembic fastapi uvicorn"
"$python" - pyproject.toml "${ALL:+all}" $RISKIEST > "$work/floors.txt" <<'PY'
import re, sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
for requirement in project["dependencies"] + project["optional-dependencies"]["parquet"]:
    name, floor = re.match(r"([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([^,;\s]+)", requirement).groups()
    if sys.argv[2] == "all" or name in sys.argv[3:]:
        print(f"{name}=={floor}")
    else:
        print(requirement)
PY
echo "floors:"; tr '\n' ' ' < "$work/floors.txt"; echo
"$python" -m venv "$work/venv"
# The test tools at versions that match the floors (Starlette 0.36's TestClient needs httpx<0.28).
# --no-compile: no .pyc for the ~500 MB installed (a third of the install time here); the tests
# compile what they import.
"$work/venv/bin/pip" install -q --no-compile -r "$work/floors.txt" \
  pytest pytest-timeout hypothesis "httpx<0.28" requests beautifulsoup4
printf '#!%s\nfrom search.cli import main\nmain()\n' "$work/venv/bin/python" > "$work/venv/bin/thaigov"
chmod +x "$work/venv/bin/thaigov"
"$work/venv/bin/pip" list 2>/dev/null | grep -i -E "^(scrapy|typer|click|fastapi|starlette|uvicorn|sqlalchemy|alembic|pythainlp) "
[ $# -gt 0 ] || set -- tests/test_deploy_cli.py tests/test_web_app.py
# PyThaiNLP's data folder: this job tests version floors, not the home-directory rule (the
# older PyThaiNLP reads PYTHAINLP_DATA_DIR).
PYTHAINLP_DATA_DIR="$work/pythainlp" PYTHONPATH=$PWD "$work/venv/bin/python" -m pytest -q \
  -p no:cacheprovider "$@"

"""``thaigov trends | kwic | collocations | keyness | words`` on the workbench fixture.

The figures are the hand counts of tests/workbench_fixtures.py (checked in detail, on both
backends, by tests/test_workbench.py); here: the output formats and the usage errors.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from search.backends.embedded import EmbeddedBackend
from search.cli import app
from search.services.documents import documents_from_articles
from tests.workbench_fixtures import ARTICLES


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    path = tmp_path_factory.mktemp("workbench") / "search.sqlite3"
    backend = EmbeddedBackend(path)
    backend.rebuild(iter(documents_from_articles(ARTICLES)))
    backend.close()
    return {"THAIGOV_SEARCH_PATH": str(path), "THAIGOV_ELASTICSEARCH_URL": "", "COLUMNS": "200"}


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_trends_json_lines(env: dict[str, str]) -> None:
    code, out, _ = run(env, "trends", "ข้าว", "ยาง", "--interval", "year", "--json")
    assert code == 0
    assert json_lines(out) == [
        {"query": "ข้าว", "period": "2023", "period_be": "2566", "articles": 1,
         "occurrences": 1, "archived": 1, "per_1000": 1000.0},
        {"query": "ข้าว", "period": "2024", "period_be": "2567", "articles": 3,
         "occurrences": 7, "archived": 6, "per_1000": 500.0},
        {"query": "ยาง", "period": "2023", "period_be": "2566", "articles": 0,
         "occurrences": 0, "archived": 1, "per_1000": 0.0},
        {"query": "ยาง", "period": "2024", "period_be": "2567", "articles": 2,
         "occurrences": 5, "archived": 6, "per_1000": 333.3333},
    ]  # fmt: skip


def test_trends_table_and_csv(env: dict[str, str]) -> None:
    code, out, _ = run(env, "trends", "ข้าว", "--interval", "quarter")
    assert code == 0
    assert "2567-Q1" in out and "2 / 4 / 400.0" in out
    code, out, _ = run(env, "trends", "ข้าว", "--csv", "--category", "เศรษฐกิจ")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["period"], r["articles"], r["occurrences"]) for r in rows] == [
        ("2024-01", "2", "4"),
        ("2024-02", "0", "0"),
        ("2024-03", "0", "0"),
        ("2024-04", "1", "3"),
    ]


def test_kwic_json_lines_and_paging(env: dict[str, str]) -> None:
    code, out, _ = run(
        env, "kwic", "ข้าว", "--context", "1", "--limit", "2", "--offset", "2", "--json"
    )
    assert code == 0
    lines = json_lines(out)
    assert [(x["article_id"], x["left"], x["match"], x["right"]) for x in lines] == [
        (2001, "ขาย", "ข้าว", "ราคา"),
        (2001, "ดี", "ข้าว", "หอม"),
    ]
    assert lines[0]["published_date"] == "2024-01-05"
    code, out, _ = run(env, "kwic", "ประชาชน", "--context", "2")
    assert code == 0 and "3 occurrences in 1 articles" in out and "เพื่อพบ" in out


def test_collocations_keyness_words(env: dict[str, str]) -> None:
    code, out, _ = run(env, "collocations", "ข้าว", "--window", "1", "--min-count", "2", "--json")
    assert code == 0
    rows = json_lines(out)
    assert [(r["word"], r["count"]) for r in rows] == [("ราคา", 4), ("ยาง", 2)]
    assert set(rows[0]) >= {"word", "score", "count"}
    code, out, _ = run(
        env, "keyness", "--from", "2024-01", "--to", "2024-01",
        "--ref-from", "2024-02", "--ref-to", "2024-04", "--min-count", "4", "--json",
    )  # fmt: skip
    assert code == 0
    assert {r["word"]: (r["target_count"], r["reference_count"]) for r in json_lines(out)} == {
        "ราคา": (4, 0),
        "ดี": (4, 0),
        "ข้าว": (4, 3),
    }
    code, out, _ = run(env, "words", "ยาง", "--min-count", "2", "--csv")
    assert code == 0
    assert out.splitlines() == [
        "word,count,per_million",
        "ยาง,5,277777.78",  # 5 of the 18 words of 2002 and 2004
        "ข้าว,4,222222.22",
        "ราคา,2,111111.11",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["trends", "ข้าว", "--interval", "week"], "interval must be month, quarter or year"),
        (["trends", *[f"w{i}" for i in range(9)]], "at most 8 queries"),
        (["kwic", "ข้าว", "--context", "99"], "context must be a whole number from 0 to 30"),
        (["kwic", "ข้าว", "--sort", "middle"], "sort must be date, left or right"),
        (["kwic", "--", "-ข้าว"], "give a word or phrase"),
        (["collocations", "ข้าว", "--measure", "t"], "measure must be ll or mi"),
        (["keyness", "--reference", "query"], "needs ref_q, ref_from, ref_to or ref_category"),
        (["trends", "ข้าว", "--from", "someday"], "unrecognised date"),
    ],
)
def test_usage_errors(env: dict[str, str], args: list[str], message: str) -> None:
    code, _, err = run(env, *args)
    assert code == 2
    assert message in " ".join(err.split()).replace("│", "").replace("  ", " ")


def test_missing_index_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    env = {"THAIGOV_SEARCH_PATH": str(tmp_path / "a-file" / "search.sqlite3")}
    code, _, err = run(env, "trends", "ข้าว")
    assert code == 1
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1

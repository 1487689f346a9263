"""Export round trips for every format, search-match exports, and the export/show commands."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from pipelines.core.corpus_format import iter_corpus_records
from search.core.query import SearchQuery
from search.core.safety import restore_formula
from search.services.export import (
    EXPORT_COLUMNS,
    LIST_FIELDS,
    export_record,
    iter_archive,
    iter_search_matches,
    matches_filters,
    write_export,
)
from tests.web_fixtures import ARTICLES, RICE, RICE_IDS, SCRIPT_ID, SCRIPT_TITLE, build_archive


@pytest.fixture
def archive(tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    store, backend = build_archive(tmp_path)
    try:
        yield store, backend
    finally:
        backend.close()
        store.close()


def expected_records(store: Any) -> list[dict[str, Any]]:
    return [export_record(a) for a in store.iter_articles()]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def read_csv(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        record: dict[str, Any] = {}
        for name, text in row.items():
            if name in LIST_FIELDS:
                record[name] = json.loads(text)
            elif text == "":
                record[name] = None
            elif name in ("article_id", "version"):
                record[name] = int(text)
            else:
                record[name] = restore_formula(text)
        out.append(record)
    return out


def read_parquet(path: Path) -> list[dict[str, Any]]:
    out = []
    for row in pq.read_table(path).to_pylist():
        record = {}
        for name, value in row.items():
            if isinstance(value, (dt.datetime, dt.date)):
                value = value.isoformat()
            record[name] = value
        out.append(record)
    return out


@pytest.mark.parametrize(
    ("fmt", "reader"), [("jsonl", read_jsonl), ("csv", read_csv), ("parquet", read_parquet)]
)
def test_table_formats_round_trip_every_field(
    archive: tuple[Any, Any], tmp_path: Path, fmt: str, reader: Any
) -> None:
    store, _ = archive
    path = tmp_path / f"out.{fmt}"
    written = write_export(iter_archive(store), fmt, path, batch_size=3)  # type: ignore[arg-type]
    assert written == len(ARTICLES)
    back = reader(path)
    expected = expected_records(store)
    assert [list(r) for r in back] == [list(EXPORT_COLUMNS)] * len(expected)
    for got, want in zip(back, expected, strict=True):
        for name in EXPORT_COLUMNS:
            assert got[name] == want[name], (fmt, want["article_id"], name)
    script = next(r for r in back if r["article_id"] == SCRIPT_ID)
    assert script["title"] == SCRIPT_TITLE
    revised = next(r for r in back if r["article_id"] == 2007)
    assert revised["version"] == 2 and revised["content_hash"]


def test_parquet_is_typed_and_written_in_row_groups(
    archive: tuple[Any, Any], tmp_path: Path
) -> None:
    store, _ = archive
    path = tmp_path / "out.parquet"
    write_export(iter_archive(store), "parquet", path, batch_size=3)
    parquet = pq.ParquetFile(path)
    assert parquet.metadata.num_row_groups == 3  # 7 articles in batches of 3
    schema = parquet.schema_arrow
    assert str(schema.field("published_date").type) == "date32[day]"
    assert str(schema.field("fetched_at").type) == "timestamp[us, tz=UTC]"
    assert str(schema.field("hashtags").type) == "list<element: string>"
    assert "raw_html" not in schema.names


def test_export_streams_batches_from_a_generator(tmp_path: Path) -> None:
    """A lazily produced input is consumed batch by batch (the writer never lists it all)."""
    consumed = 0
    batches: list[int] = []

    def articles() -> Iterator[dict[str, Any]]:
        nonlocal consumed
        for n in range(2500):
            consumed += 1
            yield {**ARTICLES[n % len(ARTICLES)], "article_id": 10_000 + n}

    def on_batch(size: int) -> None:
        batches.append(size)
        # When a batch is written, at most one more batch has been pulled from the input.
        assert consumed <= sum(batches) + 1

    path = tmp_path / "big.jsonl"
    assert write_export(articles(), "jsonl", path, batch_size=1000, on_batch=on_batch) == 2500
    assert batches == [1000, 1000, 500]
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2500


@pytest.mark.parametrize("target", ["corpus-dir", "corpus.tar.gz"])
def test_corpus_export_reimports_the_same_articles(
    archive: tuple[Any, Any], tmp_path: Path, target: str
) -> None:
    store, _ = archive
    path = tmp_path / target
    assert write_export(iter_archive(store), "corpus", path) == len(ARTICLES)
    records = list(iter_corpus_records(path))
    assert [r.problem for r in records] == [None] * len(ARTICLES)
    back = {r.article.article_id: r.article.as_dict() for r in records if r.article}
    for want in store.iter_articles():
        got = back[want["article_id"]]
        for name in (
            "article_id",
            "url",
            "title",
            "category",
            "category_original",
            "lang",
            "published_date_text",
            "published_date_numeric_text",
            "body",
            "hashtags",
        ):
            assert got[name] == want[name], (want["article_id"], name)
        # The corpus keeps the collection day (its folder), not the time of day.
        assert got["fetched_at"][:10] == want["fetched_at"][:10]
        assert got["source"] == "corpus"


def test_search_export_writes_the_matches_in_query_order(archive: tuple[Any, Any]) -> None:
    store, backend = archive
    query = SearchQuery.build(RICE, sort="oldest")
    exported = list(iter_search_matches(store, backend, query, page_size=2))
    assert [a["article_id"] for a in exported] == [2004, 2001, 2007, 2002, 2006]
    # Every field comes from the archive, not from the index's display copy.
    assert all("date_mentions" in a and "content_hash" in a for a in exported)


def test_search_export_beyond_the_backend_window_goes_month_by_month(
    archive: tuple[Any, Any],
) -> None:
    store, backend = archive
    query = SearchQuery.build(RICE)
    exported = list(iter_search_matches(store, backend, query, page_size=1, window=2))
    ids = [a["article_id"] for a in exported]
    assert sorted(ids) == sorted(RICE_IDS)  # all five, each once, though the window is two
    dates = [a["published_date"] for a in exported]
    assert dates == sorted(dates)


def test_filters_without_words_filter_the_archive_stream(archive: tuple[Any, Any]) -> None:
    store, _ = archive
    english = SearchQuery.build(lang="en")
    assert [a["article_id"] for a in store.iter_articles() if matches_filters(a, english)] == [2005]
    spring = SearchQuery.build(date_from="2567-02", date_to="2567-03", categories=["ด้านสังคม"])
    assert [a["article_id"] for a in store.iter_articles() if matches_filters(a, spring)] == [
        2003,
        SCRIPT_ID,
    ]


@pytest.fixture
def cli_env(archive: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from search.cli import app

    store, backend = archive
    monkeypatch.setenv("THAIGOV_ARCHIVE_URL", store.url)
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(backend.path))
    monkeypatch.delenv("THAIGOV_ELASTICSEARCH_URL", raising=False)
    return app


def test_export_command_writes_archive_and_search_matches(cli_env: Any, tmp_path: Path) -> None:
    runner = CliRunner()
    everything = tmp_path / "all.csv"
    result = runner.invoke(cli_env, ["export", "--format", "csv", "-o", str(everything)])
    assert result.exit_code == 0, result.output
    assert len(read_csv(everything)) == len(ARTICLES)

    matches = tmp_path / "rice.parquet"
    result = runner.invoke(
        cli_env,
        ["export", "-q", RICE, "--from", "2567", "-f", "parquet", "-o", str(matches)],
    )
    assert result.exit_code == 0, result.output
    assert {r["article_id"] for r in read_parquet(matches)} == RICE_IDS - {2004}

    bad = runner.invoke(cli_env, ["export", "-f", "xml", "-o", str(tmp_path / "x")])
    assert bad.exit_code != 0 and "jsonl" in bad.output
    bad_date = runner.invoke(cli_env, ["export", "--from", "soon", "-o", str(tmp_path / "y")])
    assert bad_date.exit_code != 0


def test_show_command_prints_text_and_json(cli_env: Any) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli_env, ["show", str(SCRIPT_ID)])
    assert shown.exit_code == 0, shown.output
    assert "<script>alert('xss')</script>" in shown.output  # printed literally, not as markup
    assert "15 มีนาคม 2567" in shown.output
    as_json = json.loads(runner.invoke(cli_env, ["show", "2007", "--json"]).output)
    assert as_json["version"] == 2 and as_json["versions"][0]["version"] == 1
    missing = runner.invoke(cli_env, ["show", "424242"])
    assert missing.exit_code == 1


def test_import_corpus_of_a_corpus_export_reproduces_the_articles(
    archive: tuple[Any, Any], tmp_path: Path
) -> None:
    """End to end: export as .tar.gz, `thaigov import-corpus` it (Scrapy, every pipeline) into a
    fresh archive, and compare each article field by field, dates recomputed included."""
    store, _ = archive
    tarball = tmp_path / "export.tar.gz"
    write_export(iter_archive(store), "corpus", tarball)
    fresh_url = f"sqlite:///{tmp_path / 'reimported.sqlite3'}"
    env = {
        **os.environ,
        "THAIGOV_ARCHIVE_URL": fresh_url,
        "THAIGOV_SEARCH_PATH": str(tmp_path / "reimported-search.sqlite3"),
    }
    env.pop("THAIGOV_ELASTICSEARCH_URL", None)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from search.cli import main; main()",
            "import-corpus",
            str(tarball),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    from pipelines.archive.store import ArchiveStore

    reimported = ArchiveStore(fresh_url)
    try:
        back = {a["article_id"]: a for a in reimported.iter_articles()}
        originals = list(store.iter_articles())
        assert sorted(back) == sorted(a["article_id"] for a in originals)
        for want in originals:
            got = back[want["article_id"]]
            for name in (
                "url",
                "title",
                "category",
                "lang",
                "published_date_text",
                "published_date_numeric_text",
                "body",
                "hashtags",
                "published_date",
                "content_hash",
            ):
                assert got[name] == want[name], (want["article_id"], name)
    finally:
        reimported.close()

"""One query builder, four doors: ``thaigov search``, ``thaigov export``, the JSON API, the page.

Every door hands the user's raw values to ``SearchQuery.build``. A table of bad inputs goes
through each door that takes those parameters: the builder's message is shown verbatim
everywhere, the command line exits 2 (usage error), the API answers 422 naming the parameter,
the page answers 422 and shows the message. Good inputs give the same hits through every door
(the embedded backend over the web fixtures, a real SQLite archive and a real FTS5 index).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from typer.testing import CliRunner

from search.core.query import MAX_CATEGORIES, MAX_QUERY_CHARS, MAX_WINDOW, QueryError, SearchQuery
from search.web import create_app
from search.web.forms import PAGE_SIZE
from search.web.pages import FIELD_LABELS
from tests.web_fixtures import RICE, build_archive

Params = dict[str, str | list[str]]

#: The parameters each door takes (the page pages with ``page``; export pages through all).
CLI_SEARCH = {"q", "from", "to", "category", "lang", "sort", "limit", "offset", "mode"}
CLI_EXPORT = {"q", "from", "to", "category", "lang", "sort"}
API = {"q", "from", "to", "category", "lang", "sort", "limit", "offset", "mode"}
PAGE = {"q", "from", "to", "category", "lang", "sort", "page", "mode"}


@dataclass(frozen=True)
class World:
    client: TestClient
    env: dict[str, str | None]
    tmp: Path
    backend: Any


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("parity")
    store, backend = build_archive(directory)
    env: dict[str, str | None] = {
        "THAIGOV_ARCHIVE_URL": store.url,
        "THAIGOV_SEARCH_PATH": str(backend.path),
        "THAIGOV_ELASTICSEARCH_URL": None,  # unset: the embedded index
        "COLUMNS": "1000",  # Rich's error panel would wrap a long message otherwise
    }
    try:
        with TestClient(create_app(store=store, backend=backend)) as client:
            yield World(client, env, directory, backend)
    finally:
        backend.close()
        store.close()


def builder_kwargs(params: Params) -> dict[str, Any]:
    """The URL parameter names as ``SearchQuery.build`` keywords."""
    names = {"from": "date_from", "to": "date_to", "category": "categories"}
    return {names.get(k, k): v for k, v in params.items()}


def cli_args(params: Params, *, query_option: str | None) -> list[str]:
    """Options for a command; ``query_option`` None puts the text first (an argument)."""
    args: list[str] = []
    for key, value in params.items():
        if key == "q":
            continue
        for item in value if isinstance(value, list) else [value]:
            args += [f"--{key}", item]
    text = str(params.get("q", ""))
    return [text, *args] if query_option is None else [query_option, text, *args]


def thaigov(world: World, *args: str) -> Any:
    from search.cli import app

    result = CliRunner().invoke(app, list(args), env=world.env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def flat(text: str) -> str:
    """Text without Rich's panel borders, whitespace folded."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


# --- bad input: the same refusal everywhere ----------------------------------------------------

BAD: list[tuple[str, Params, str]] = [
    ("unknown language", {"lang": "fr"}, "lang"),
    ("B.E. end before start", {"from": "2568", "to": "2567"}, "to"),
    ("C.E. end before start", {"from": "2024-03-01", "to": "2024-02-01"}, "to"),
    ("Thai end before start", {"from": "1 มี.ค. 67", "to": "29 ก.พ. 2567"}, "to"),
    ("unreadable start", {"from": "soon"}, "from"),
    ("impossible day", {"to": "2024-02-30"}, "to"),
    ("impossible Thai day", {"from": "32 ม.ค. 67"}, "from"),
    ("date text too long", {"from": "2567" * 11}, "from"),
    ("unknown sort", {"sort": "random"}, "sort"),
    ("unknown mode", {"mode": "vector"}, "mode"),
    ("limit too large", {"limit": "101"}, "limit"),
    ("limit zero", {"limit": "0"}, "limit"),
    ("limit not a number", {"limit": "ten"}, "limit"),
    ("negative offset", {"offset": "-1"}, "offset"),
    ("offset beyond the window", {"limit": "20", "offset": str(MAX_WINDOW - 19)}, "offset"),
    ("search text too long", {"q": "ข้าว " * (MAX_QUERY_CHARS // 5 + 1)}, "q"),
    (
        "too many categories",
        {"category": [f"หมวด {i}" for i in range(MAX_CATEGORIES + 1)]},
        "category",
    ),
    ("page zero", {"page": "0"}, "page"),
    ("page not a number", {"page": "x"}, "page"),
    ("page beyond the window", {"page": str(MAX_WINDOW // PAGE_SIZE + 1)}, "page"),
]


def refusal(params: Params, param: str) -> str:
    """The builder's own message for ``params`` (which must name ``param``)."""
    kwargs = builder_kwargs(params)
    if "page" in params:
        kwargs["limit"] = PAGE_SIZE
    with pytest.raises(QueryError) as info:
        SearchQuery.build(**kwargs)
    assert info.value.param == param
    return info.value.message


@pytest.mark.parametrize(("case", "params", "param"), BAD, ids=[c for c, _, _ in BAD])
def test_bad_input_is_refused_with_one_message_everywhere(
    world: World, case: str, params: Params, param: str
) -> None:
    message = refusal(params, param)
    doors = 0
    if set(params) <= CLI_SEARCH:
        result = thaigov(world, "search", *cli_args(params, query_option=None))
        hint = "QUERY" if param == "q" else f"--{param}"
        assert result.exit_code == 2, result.output
        assert f"Invalid value for {hint}: {flat(message)}" in flat(result.output)
        doors += 1
    if set(params) <= CLI_EXPORT:
        output = world.tmp / f"refused-{param}.jsonl"
        result = thaigov(world, "export", "-o", str(output), *cli_args(params, query_option="-q"))
        hint = "--query" if param == "q" else f"--{param}"
        assert result.exit_code == 2, result.output
        assert f"Invalid value for {hint}: {flat(message)}" in flat(result.output)
        assert not output.exists()
        doors += 1
    if set(params) <= API:
        for path in ("/api/search", "/api/timeline"):
            response = world.client.get(path, params={"q": RICE, **params})
            assert response.status_code == 422, response.text
            (detail,) = response.json()["detail"]
            assert detail["loc"] == ["query", param] and detail["msg"] == message
        doors += 1
    if set(params) <= PAGE:
        response = world.client.get("/", params={"q": RICE, **params})
        assert response.status_code == 422
        assert f"{FIELD_LABELS[param]}: {escape(message)}" in response.text
        assert 'role="alert"' in response.text
        doors += 1
    assert doors >= (1 if param == "page" else 2), case


# --- good input: the same hits everywhere ------------------------------------------------------

GOOD: list[Params] = [
    {"q": RICE},
    {"q": RICE, "sort": "oldest"},
    {"q": RICE, "from": "2567", "to": "2567"},
    {"q": RICE, "from": "1 ม.ค. 2567", "to": "31/1/2567"},
    {"q": RICE, "from": "2024-01-01", "to": "2024-01"},
    {"q": RICE, "category": ["\tด้านเศรษฐกิจ ", "ด้านสังคม"]},
    {"q": "Thai products", "lang": " EN "},
    {"q": "", "lang": "en"},
    {"q": "", "from": "2024-02", "to": "2567-03", "sort": "newest"},
    {"q": "", "category": ["ด้านเศรษฐกิจ"], "sort": "oldest"},
]


def page_ids(html: str) -> list[int]:
    hits = html.split('<ol class="hits"', 1)[1].split("</ol>", 1)[0]
    return [int(i) for i in re.findall(r'<h2><a href="/articles/(\d+)">', hits)]


@pytest.mark.parametrize("params", GOOD, ids=[json.dumps(p, ensure_ascii=False) for p in GOOD])
def test_good_input_gives_the_same_hits_everywhere(world: World, params: Params) -> None:
    expected = [
        h.article_id
        for h in world.backend.search(SearchQuery.build(**builder_kwargs(params), limit=100)).hits
    ]
    assert expected, "a parity case must match something"

    result = thaigov(
        world, "search", *cli_args(params, query_option=None), "--limit", "100", "--json"
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["article_id"] for line in result.stdout.splitlines()] == expected

    api = world.client.get("/api/search", params={**params, "limit": "100"})
    assert api.status_code == 200, api.text
    assert [h["article_id"] for h in api.json()["hits"]] == expected
    assert api.json()["total"] == len(expected)

    page = world.client.get("/", params=params)
    assert page.status_code == 200
    assert page_ids(page.text) == expected[:PAGE_SIZE]

    output = world.tmp / "parity.jsonl"
    result = thaigov(world, "export", "-o", str(output), *cli_args(params, query_option="-q"))
    assert result.exit_code == 0, result.output
    exported = [json.loads(line)["article_id"] for line in output.read_text().splitlines()]
    if params.get("q"):
        assert exported == expected  # the matches, in the search's order
    else:
        # Filters alone stream the archive and filter it row by row (matches_filters), a path
        # apart from the index's filters: the same articles must come out.
        assert sorted(exported) == sorted(expected)

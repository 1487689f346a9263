"""Real crawls of hostile servers: robots.txt by RFC 9309, Crawl-delay, a site-wide Retry-After,
and hostile pages counted under their own stats keys (``tests/replica/hostile.py``)."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from pipelines.core.article import EXTRACTED_FIELDS
from tests.replica import ReplicaServer
from tests.replica import fixtures as fx
from tests.replica import hostile_crawl as hostile
from tests.test_crawl_e2e import DEFAULT, MAXSIZE, Crawl, require_default_pipelines, run_crawl
from thaigov_crawler.extensions import EXIT_NOTHING_FETCHED, EXIT_OK, EXIT_ROBOTS_FORBIDDEN
from thaigov_crawler.middlewares import crawl_delay_floor
from thaigov_crawler.spiders.thaigov import _is_too_large

SOME_IDS = {"start_id": "1001", "end_id": "1005"}


def detail_arrivals(server: ReplicaServer) -> list[float]:
    return [when for when, path in server.arrivals if "/details/" in path]


# --- robots.txt ------------------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 503])
def test_robots_txt_answering_5xx_forbids_everything(tmp_path: Path, status: int) -> None:
    """RFC 9309 2.3.1.4: a server error for robots.txt means complete disallow. The body says
    "Allow: /" on purpose: Scrapy alone parsed it and crawled every page."""
    with ReplicaServer(robots_txt=fx.ALLOW_ALL_ROBOTS, robots_status=status) as server:
        crawl = run_crawl(server.base_url, tmp_path, SOME_IDS)
        robots_hits = server.hits["/robots.txt"]
    assert crawl.returncode == EXIT_ROBOTS_FORBIDDEN, crawl.log[-3000:]
    assert detail_arrivals(server) == []
    assert crawl.items == []
    assert robots_hits == 4  # robots.txt itself was retried (RETRY_TIMES=3) before giving up
    assert crawl.log.count("forbids this crawler") == 1
    assert f"robots.txt answered HTTP {status}; RFC 9309: assume complete disallow" in crawl.log
    assert crawl.stats["thaigov/robots/unreachable"] == 1
    assert "Traceback" not in crawl.log


def test_robots_txt_timing_out_forbids_everything(tmp_path: Path) -> None:
    with ReplicaServer(robots_stall=4) as server:
        crawl = run_crawl(
            server.base_url, tmp_path, SOME_IDS, {"DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "0"}
        )
    assert crawl.returncode == EXIT_ROBOTS_FORBIDDEN, crawl.log[-3000:]
    assert detail_arrivals(server) == []
    assert crawl.log.count("forbids this crawler") == 1
    assert "robots.txt could not be fetched (DownloadTimeoutError" in crawl.log
    assert "Traceback" not in crawl.log


def test_robots_txt_answering_404_means_no_rules(tmp_path: Path) -> None:
    """RFC 9309 2.3.1.3: 4xx means no robots.txt, crawl allowed, whatever the error page says."""
    with ReplicaServer(robots_txt=fx.DISALLOW_ALL_ROBOTS, robots_status=404) as server:
        crawl = run_crawl(server.base_url, tmp_path, SOME_IDS)
    assert crawl.returncode == EXIT_OK, crawl.log[-3000:]
    assert crawl.ids == sorted(fx.ARTICLE_IDS & set(range(1001, 1006)))
    assert crawl.stats["thaigov/robots/unavailable"] == 1
    assert "robots_forbidden" not in str(crawl.stats)


def test_unreachable_host_sends_nothing_and_exits_as_unreachable(tmp_path: Path) -> None:
    """No answer at all (connection refused): complete disallow too, but reported as a site
    that is down (exit 5), not as a site that forbids crawling (exit 3, a success for cron)."""
    with ReplicaServer() as server:
        dead_url = server.base_url
    crawl = run_crawl(dead_url, tmp_path, {"ids": "1001,1002"}, {"RETRY_TIMES": "0"})
    assert crawl.returncode == EXIT_NOTHING_FETCHED, crawl.log[-3000:]
    assert crawl.stats["thaigov/failed/robots_unreachable"] == 2
    assert crawl.stats["robotstxt/request_count"] == 1
    assert crawl.stats.get("downloader/request_count") == 1  # robots.txt, nothing else
    assert "robots.txt could not be fetched (DownloadConnectionRefusedError" in crawl.log


CRAWL_DELAY_CASES = {
    # Crawl-delay: 1 with no download delay of our own: 1 s apart.
    "no_own_delay": ("1", {}, 1.0),
    # AutoThrottle free to go down to 0.1 s: it may not go below the Crawl-delay.
    "autothrottle": (
        "1",
        {
            "AUTOTHROTTLE_ENABLED": "True",
            "DOWNLOAD_DELAY": "0.1",
            "AUTOTHROTTLE_START_DELAY": "0.1",
        },
        1.0,
    ),
    # A Crawl-delay shorter than our own delay changes nothing: politeness stays as it is.
    "shorter_than_ours": ("0.2", {"DOWNLOAD_DELAY": "1", "DOWNLOAD_DELAY_JITTER": "0"}, 1.0),
}


@pytest.mark.parametrize("case", list(CRAWL_DELAY_CASES))
def test_crawl_delay_is_the_shortest_gap_between_requests(tmp_path: Path, case: str) -> None:
    crawl_delay, own, min_gap = CRAWL_DELAY_CASES[case]
    robots = f"User-agent: *\nCrawl-delay: {crawl_delay}\nAllow: /\n"
    settings = {"CONCURRENT_REQUESTS": "2", "CONCURRENT_REQUESTS_PER_DOMAIN": "2", **own}
    with ReplicaServer(robots_txt=robots) as server:
        crawl = run_crawl(server.base_url, tmp_path, {"ids": "1001,1002,1003,1005"}, settings)
        arrivals = [when for when, _ in server.arrivals]  # robots.txt included
    assert crawl.returncode == EXIT_OK, crawl.log[-3000:]
    assert crawl.ids == [1001, 1002, 1003, 1005]
    assert crawl.stats["thaigov/robots/crawl_delay"] == float(crawl_delay)
    assert len(arrivals) == 5
    # Measured where the requests arrive; 50 ms allows for the local network stack.
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    assert min(gaps) >= min_gap - 0.05, gaps


# --- Retry-After -------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["seconds", "http_date"])
def test_retry_after_pauses_the_whole_site(tmp_path: Path, form: str) -> None:
    """One page answers 429 with Retry-After (3 s, or an HTTP date 3-4 s ahead); no other
    request may reach the site until then. Each response takes 0.3 s, so the only request that
    may arrive inside the pause is one already on its way when the 429 reached the crawler
    (CONCURRENT_REQUESTS=2)."""
    first = hostile.RETRY_AFTER_SITE_ID if form == "seconds" else hostile.RETRY_AFTER_DATE_ID
    ids = f"{first},2008-2021"  # ids go out in ascending order: the 429 page first
    settings = {
        "CONCURRENT_REQUESTS": "2",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "THAIGOV_RETRY_AFTER_MAX": "10",
    }
    with ReplicaServer(delay=0.3) as server:
        crawl = run_crawl(server.base_url, tmp_path, {"ids": ids}, settings)
        arrivals = [(when, path) for when, path in server.arrivals if "/details/" in path]
        (sent,) = server.retry_after_sent
    assert crawl.returncode == EXIT_OK, crawl.log[-3000:]
    assert crawl.ids == [first]  # the others are soft 404s
    assert len(arrivals) == 16  # 15 ids, the first one twice
    assert crawl.stats["thaigov/retry_after/waits"] == 1
    wait = crawl.stats["thaigov/retry_after/seconds"]  # as the crawler read the header
    if form == "seconds":
        assert wait == hostile.RETRY_AFTER_SITE_SECONDS
    else:
        assert hostile.RETRY_AFTER_DATE_SECONDS - 1.5 < wait <= hostile.RETRY_AFTER_DATE_SECONDS
    inside = [path for when, path in arrivals if sent < when < sent + wait]
    assert len(inside) <= 1, inside
    retried = [when for when, path in arrivals if path.endswith(f"/{first}")]
    assert len(retried) == 2 and retried[1] >= sent + wait
    assert sum(1 for when, _ in arrivals if when >= sent + wait) >= 13  # the others waited
    assert f"pausing every request to 127.0.0.1 for {wait:.1f} s" in crawl.log


# --- hostile pages ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    tmp = tmp_path_factory.mktemp("hostile")
    ids = ",".join(str(i) for i in sorted(hostile.ARTICLES) if i not in hostile.RETRY_AFTER_IDS)
    with ReplicaServer() as server:
        return run_crawl(server.base_url, tmp, {"ids": ids})


def test_hostile_pages_are_archived_whole(hostile_crawl: Crawl) -> None:
    assert hostile_crawl.returncode == EXIT_OK, hostile_crawl.log[-3000:]
    expected = sorted(hostile.ARTICLE_IDS - hostile.RETRY_AFTER_IDS)
    assert hostile_crawl.ids == expected
    for item in hostile_crawl.items:
        got = {k: item[k] for k in EXTRACTED_FIELDS if k != "fetched_at"}
        assert got == hostile.expected_fields(item["article_id"])


def test_each_hazard_has_its_own_stats_key(hostile_crawl: Crawl) -> None:
    stats = hostile_crawl.stats
    assert stats["thaigov/markup/deep"] == 1
    assert stats["thaigov/charset/redecoded"] == 1
    assert stats["thaigov/sanitised/nul_bytes"] == 3
    assert stats["thaigov/sanitised/replacement_chars"] == 3
    assert stats["thaigov/sanitised/control_chars"] == 1
    assert stats["thaigov/links/dropped_scheme"] == hostile.DROPPED_SCHEME_LINKS
    assert stats["thaigov/links/dropped_malformed"] == hostile.DROPPED_MALFORMED_LINKS
    # The gzip bomb: small on the wire, over DOWNLOAD_MAXSIZE once inflated.
    assert len(hostile.gzip_bomb()) < MAXSIZE < hostile.GZIP_BOMB_BYTES
    assert stats["thaigov/skipped/too_large"] == 1
    assert not any(key.startswith("thaigov/failed") for key in stats)
    assert f"id {hostile.GZIP_BOMB_ID} skipped: too_large" in hostile_crawl.log
    assert f"id {hostile.DEEP_NESTING_ID}: input repaired: markup/deep 1" in hostile_crawl.log


def test_hostile_pages_are_archived_on_sqlite_and_postgresql(
    archive_url: str, tmp_path: Path
) -> None:
    """NUL bytes used to reach the archive: stored on SQLite, a failed write on PostgreSQL."""
    require_default_pipelines()
    from pipelines.archive.store import ArchiveStore

    ids = ",".join(str(i) for i in sorted(hostile.ARTICLES) if i not in hostile.RETRY_AFTER_IDS)
    settings = {"ITEM_PIPELINES": DEFAULT, "THAIGOV_ARCHIVE_URL": archive_url}
    with ReplicaServer() as server:
        crawl = run_crawl(server.base_url, tmp_path, {"ids": ids}, settings)
    assert crawl.returncode == EXIT_OK, crawl.log[-3000:]
    assert crawl.stats.get("archive/failed", 0) == 0
    with ArchiveStore(archive_url) as store:
        archived = {a["article_id"]: a for a in store.iter_articles()}
    assert set(archived) == hostile.ARTICLE_IDS - hostile.RETRY_AFTER_IDS
    for article_id, row in archived.items():
        for name, value in hostile.expected_fields(article_id).items():
            assert row[name] == value, (article_id, name)


# --- pure helpers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("crawl_delay", "jitter", "floor"),
    [(1.0, 0.5, 2.0), (2.0, 0.0, 2.0), (1.0, 0.25, 4 / 3), (1.0, 0.9, 2.0)],
)
def test_crawl_delay_floor_keeps_the_shortest_jittered_gap(
    crawl_delay: float, jitter: float, floor: float
) -> None:
    assert crawl_delay_floor(crawl_delay, jitter) == pytest.approx(floor)
    assert crawl_delay_floor(crawl_delay, jitter) * (1 - min(jitter, 0.5)) == pytest.approx(
        crawl_delay
    )


def test_a_gzip_bomb_failure_is_too_large() -> None:
    from scrapy.exceptions import IgnoreRequest
    from scrapy.utils._compression import _DecompressionMaxSizeExceeded
    from twisted.python.failure import Failure

    try:
        try:
            raise _DecompressionMaxSizeExceeded(300_000, 200_000)
        except ValueError as exc:
            raise IgnoreRequest("Ignored response <200 x>: exceeded the limit") from exc
    except IgnoreRequest:
        bomb = Failure()  # type: ignore[no-untyped-call]
    assert _is_too_large(bomb)
    robots = Failure(IgnoreRequest("Forbidden by robots.txt"))  # type: ignore[no-untyped-call]
    assert not _is_too_large(robots)

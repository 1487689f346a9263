"""Parity of the two producers: the same article crawled as HTML and imported as a corpus file.

The replica renders a ``FixtureArticle`` as the site's detail page (``tests/replica/pages.py``)
and ``tests/replica/corpus.py`` writes it as a thaigov-v2-corpus file; extraction and the corpus
parser must then give the same record, field by field, except ``fetched_at`` and ``source``
(circumstances of collection) and, for pages that have them, ``images``/``attachments`` (the
corpus format does not carry them). Fixtures first, then generated articles (hypothesis).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythainlp.util.date import thai_full_months

from pipelines.archive.store import ArchiveStore
from pipelines.core.article import EXTRACTED_FIELDS, Article
from pipelines.core.corpus_format import parse_corpus_text, render_corpus_file
from pipelines.core.extract import Extracted, extract_article
from pipelines.core.text_cleaning import clean_line
from pipelines.core.text_rules import THAI_WEEKDAYS, to_buddhist_year
from pipelines.core.thai_dates import normalise_article_dates
from tests.replica import fixtures as fx
from tests.replica.corpus import corpus_file
from tests.replica.server import ReplicaServer

BASE = "http://127.0.0.1:9/news/contents/details/"
FETCHED = dt.datetime(2024, 12, 14, 3, 0, tzinfo=dt.UTC)
CIRCUMSTANCES = ("fetched_at", "source")
NOT_IN_CORPUS_FORMAT = ("images", "attachments")


def _article(article_id: int, long_date: str, **fields: Any) -> fx.FixtureArticle:
    defaults: dict[str, Any] = {
        "title": f"ข่าวทดสอบความเท่าเทียมของผู้ผลิตระเบียน หมายเลข {article_id}",
        "category_html": "ข่าวทำเนียบรัฐบาล",
        "numeric_date": None,
        "paragraphs": (
            "ย่อหน้าแรกของข่าวทดสอบที่เขียนขึ้นสำหรับการทดสอบนี้",
            "ย่อหน้าที่สองกล่าวถึงการประชุมในวันที่ 20 มกราคม 2567",
        ),
    }
    return fx.FixtureArticle(article_id, long_date=long_date, **{**defaults, **fields})


# Written for this test: every weekday form the site writes (with the short Thursday), Thai
# digits, hashtags with trailing punctuation, English-heavy and bilingual pages, a category
# with a trailing dot.
PARITY_ARTICLES: tuple[fx.FixtureArticle, ...] = (
    _article(5001, "วันจันทร์ที่ 8 มกราคม 2567", numeric_date="08/01/2567", print_link=True),
    _article(5002, "วันอังคารที่ 9 มกราคม 2567", title_repeats=3),
    _article(
        5003,
        "วันพุธที่ 10 มกราคม 2567",
        hashtags=("#ไทยคู่ฟ้า.", "#ThaiGov,", "#ครม!", "#ไทยคู่ฟ้า"),
        expected_hashtags=("#ไทยคู่ฟ้า", "#ThaiGov", "#ครม"),
    ),
    _article(5004, "วันพฤหัสบดีที่ 11 มกราคม 2567", numeric_date="11/01/2567"),
    _article(
        5005,
        "วันพฤหัสที่ 18 มกราคม 2567",
        numeric_date="18/01/2567",
        print_link=True,
        title_repeats=2,
        hashtags=("#สรุปข่าว)",),
        expected_hashtags=("#สรุปข่าว",),
    ),
    _article(5006, "วันศุกร์ที่ 12 มกราคม 2567", credit="ข้อมูล : ทีมทดสอบ"),
    _article(5007, "วันเสาร์ที่ 13 มกราคม 2567", category_html="ด้านสังคม\t\u00a0"),
    _article(5008, "วันอาทิตย์ที่ 14 มกราคม 2567", numeric_date="14/01/2567"),
    _article(5009, "วันพฤหัสที่ ๒๕ มกราคม ๒๕๖๗", numeric_date="๒๕/๐๑/๒๕๖๗"),
    _article(
        5010,
        "วันอังคารที่ 16 มกราคม 2567",
        title="Cabinet approves measures for small businesses in Chiang Mai",
        category_html="Cabinet Meeting Synopsis",
        paragraphs=(
            "On 16 January 2024, the Cabinet chaired by the Prime Minister at Government House "
            "approved measures proposed by นายทดสอบ ระบบดี for small businesses.",
            "The measures take effect next month; จังหวัดเชียงใหม่ will report back quarterly.",
        ),
        hashtags=("#ThaiGov.",),
        expected_hashtags=("#ThaiGov",),
        lang="en",
    ),
    _article(
        5011,
        "วันพุธที่ 17 มกราคม 2567",
        title="นายกรัฐมนตรีส่งสารแสดงความยินดีถึงนายกรัฐมนตรีประเทศทดสอบ",
        paragraphs=(
            "นายกรัฐมนตรีได้ส่งสารแสดงความยินดีถึงนายกรัฐมนตรีประเทศทดสอบ ในโอกาสเข้ารับตำแหน่ง โดยมีใจความดังนี้",
            "Your Excellency, on behalf of the Government of Thailand, please accept my warm "
            "congratulations on your appointment.",
        ),
    ),
    _article(
        5012,
        "วันศุกร์ที่ 19 มกราคม 2567",
        category_html="สรุปข่าวการประชุม ครม.",
        expected_category="สรุปข่าวการประชุม ครม",
    ),
)
#: Replica fixtures whose page is whole (a truncated page is another article than its file).
REPLICA_ARTICLES = tuple(a for a in fx.ARTICLES if a.truncate_after is None)


def crawled(article: fx.FixtureArticle) -> Article:
    # A new (never started) replica each time: it caches pages by id, generated ids repeat.
    result = extract_article(
        ReplicaServer().article_bytes(article),
        BASE + str(article.article_id),
        encoding=article.charset,
        fetched_at=FETCHED,
    )
    assert isinstance(result, Extracted), result
    return result.article


def imported(article: fx.FixtureArticle) -> Article:
    record = parse_corpus_text(*corpus_file(article))
    assert record.article is not None, record.problem
    return record.article


def comparable(record: Article, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    skipped = (*CIRCUMSTANCES, *skip)
    return {name: getattr(record, name) for name in EXTRACTED_FIELDS if name not in skipped}


@pytest.mark.parametrize(
    "article", PARITY_ARTICLES + REPLICA_ARTICLES, ids=lambda a: str(a.article_id)
)
def test_crawl_and_corpus_give_the_same_record(article: fx.FixtureArticle) -> None:
    skip = NOT_IN_CORPUS_FORMAT if article.images or article.attachments else ()
    from_page, from_file = crawled(article), imported(article)
    assert comparable(from_page, skip=skip) == comparable(from_file, skip=skip)
    # ...and both are the record the fixture states (not merely the same mistake twice).
    expected = {k: v for k, v in article.expected_fields().items() if k not in (*skip, "source")}
    assert comparable(from_page, skip=skip) == expected
    assert (from_page.source, from_file.source) == ("crawl", "corpus")


@pytest.mark.parametrize("article", PARITY_ARTICLES, ids=lambda a: str(a.article_id))
def test_every_date_line_form_is_taken_out_of_the_body(article: fx.FixtureArticle) -> None:
    for record in (crawled(article), imported(article)):
        assert record.published_date_text == article.long_date
        assert article.long_date not in record.body
        dates = normalise_article_dates(record.as_dict())
        assert dates["published_date"] is not None and dates["date_warnings"] == []


@pytest.mark.parametrize("article", PARITY_ARTICLES, ids=lambda a: str(a.article_id))
def test_an_exported_crawl_record_reimports_to_the_same_record(
    article: fx.FixtureArticle,
) -> None:
    from_page = crawled(article)
    record = parse_corpus_text(*render_corpus_file(from_page)).article
    assert record is not None
    assert comparable(record) == comparable(from_page)


# --- the archive sees one article, whichever producer came first -------------------------------
@pytest.fixture
def store(archive_url: str) -> Iterator[ArchiveStore]:
    with ArchiveStore(archive_url) as archive:
        yield archive


def _item(record: Article) -> dict[str, Any]:
    return {**record.as_dict(), **normalise_article_dates(record.as_dict())}


def test_crawl_and_import_in_either_order_make_no_new_version(store: ArchiveStore) -> None:
    articles = [a for a in PARITY_ARTICLES + REPLICA_ARTICLES if a.article_id % 2]
    first_crawl = [_item(crawled(a)) for a in articles]
    first_import = [
        _item(imported(a)) for a in PARITY_ARTICLES + REPLICA_ARTICLES if a not in articles
    ]
    assert {r.action for r in store.upsert_batch(first_crawl + first_import)} == {"inserted"}
    before = {a["article_id"]: a for a in store.iter_articles()}
    # The other producer's record of every article: the same articles, nothing to version.
    then_import = [_item(imported(a)) for a in articles]
    then_crawl = [
        _item(crawled(a)) for a in PARITY_ARTICLES + REPLICA_ARTICLES if a not in articles
    ]
    results = store.upsert_batch(then_import + then_crawl)
    assert {r.action for r in results} == {"unchanged"}
    assert store.stats()["versions"] == 0
    after = {a["article_id"]: a for a in store.iter_articles()}
    for article_id, row in after.items():
        # A crawl after an import only fills what the corpus could not carry; the corpus file
        # (collected at midnight) after a crawl only moves the first sighting back.
        changed = {k for k in row if row[k] != before[article_id][k]}
        seen = {"first_seen_at", "last_changed_at", "last_seen_at"}
        assert changed <= {"images", "attachments", "content_hash", *seen}, changed
        assert row["version"] == 1


# --- generated articles -----------------------------------------------------------------------
_THAI = "กขคงจฉชซญดตถทนบปผพฟมยรลวสหอะาิีึืุูเแโใไ่้๊๋็์"
_word = st.text(alphabet=_THAI + "abcxyzABC0123456789", min_size=1, max_size=12)
_sentence = st.lists(_word, min_size=1, max_size=8).map(" ".join)
_punctuation = st.sampled_from(["", "", ".", ",", "!", "?", ")", ":", ";", "..."])
_hashtag = st.tuples(st.text(alphabet=_THAI + "abcXYZ", min_size=1, max_size=10), _punctuation)
_category = st.tuples(
    st.sampled_from(["ด้านสังคม", "สรุปข่าวการประชุม ครม", "Government News", "ข่าว_2567", ""]),
    st.sampled_from(["", ".", " .", "\t", "  "]),
)
_english = st.lists(
    st.sampled_from(["The", "Cabinet", "approved", "measures", "for", "Thailand", "today"]),
    min_size=5,
    max_size=20,
).map(" ".join)


@st.composite
def generated_articles(draw: st.DrawFn) -> fx.FixtureArticle:
    day = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2035, 12, 31)))
    names = [name for name, weekday in THAI_WEEKDAYS.items() if weekday == day.weekday()]
    year = to_buddhist_year(day.year)
    long_date = (
        f"{draw(st.sampled_from(names))}ที่ {day.day} {thai_full_months[day.month - 1]} {year}"
    )
    numeric = draw(st.sampled_from([None, f"{day.day:02d}/{day.month:02d}/{year}"]))
    english = draw(st.booleans())
    title = clean_line(draw(_english if english else _sentence))
    paragraphs = tuple(
        p
        for p in (
            clean_line(x)
            for x in draw(st.lists(_english if english else _sentence, min_size=1, max_size=5))
        )
        if p and p != title
    ) or ("เนื้อหาข่าว",)
    tags = draw(st.lists(_hashtag, max_size=4))
    category, ending = draw(_category)
    return fx.FixtureArticle(
        draw(st.integers(min_value=1, max_value=10**7)),
        title=title,
        category_html=category + ending if category else "",
        long_date=long_date,
        numeric_date=numeric,
        paragraphs=paragraphs,
        title_repeats=draw(st.integers(min_value=1, max_value=3)),
        print_link=draw(st.booleans()),
        hashtags=tuple(f"#{body}{end}" for body, end in tags),
        credit=draw(st.sampled_from([None, "ข้อมูล : ทีมทดสอบ"])),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article=generated_articles())
def test_generated_articles_give_the_same_record_both_ways(article: fx.FixtureArticle) -> None:
    from_page, from_file = crawled(article), imported(article)
    assert comparable(from_page) == comparable(from_file)
    assert from_page.title == article.title
    assert from_page.published_date_text == article.long_date
    assert from_page.published_date_numeric_text == article.numeric_date
    assert from_page.hashtags == list(
        dict.fromkeys(clean_line(tag).rstrip(".,!?):;") for tag in article.hashtags)
    )

"""Fixture articles for the web, API and export tests, written for them (no corpus text).

- "ข้าว" (rice) is a word in 2001, 2002, 2004, 2006 and in the revised 2007; never in 2003/2005.
- Four months (Nov 2023, Jan-Mar 2024), five categories, Thai and English.
- 2006 carries <script> and HTML in its title and body: it must always be shown as text.
- 2007 is archived twice: version 1, then a revised body and title (version 2).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from pipelines.core.article import canonical_url
from search.web.thai_format import thai_long_date
from tests.search_fixtures import drop_elasticsearch

RICE = "ข้าว"
ES_TEST_PREFIX = "thaigov-webtest"
SCRIPT_ID = 2006
REVISED_ID = 2007
RICE_IDS = {2001, 2002, 2004, 2006, 2007}
SCRIPT_TITLE = "<script>alert('xss')</script> ข้าวไทย <b>ตัวหนา</b>"
SCRIPT_BODY = (
    'ประกาศเรื่องข้าว <img src=x onerror="alert(1)"> และ <a href="javascript:alert(2)">ลิงก์</a>\n'
    "ย่อหน้าที่สองมีแท็ก </p><h1>ไม่ใช่หัวข้อ</h1> อยู่ในข้อความ"
)


def article(
    article_id: int,
    title: str,
    body: str,
    published_date: str,
    category: str,
    *,
    lang: str = "th",
    hashtags: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A complete article record (every EXPORT_FIELDS key), as the pipelines would produce."""
    day, month, year = published_date[8:10], published_date[5:7], published_date[:4]
    return {
        "article_id": article_id,
        "url": canonical_url(article_id),
        "title": title,
        "category": category,
        "lang": lang,
        "published_date_text": thai_long_date(published_date),
        "published_date_numeric_text": f"{int(day)}/{int(month)}/{int(year) + 543}",
        "body": body,
        "hashtags": list(hashtags),
        "images": [],
        "attachments": [],
        "fetched_at": f"{published_date}T09:30:00+00:00",
        "source": "crawl",
        "published_date": published_date,
        "date_mentions": [published_date],
        "date_warnings": [],
    }


ARTICLES: list[dict[str, Any]] = [
    article(
        2001,
        "รัฐบาลเร่งช่วยเหลือชาวนาหลังราคาข้าวตกต่ำ",
        "คณะรัฐมนตรีอนุมัติมาตรการพยุงราคาข้าวเปลือกให้เกษตรกรทั่วประเทศ\n"
        "กระทรวงพาณิชย์จะติดตามราคาข้าวในตลาดอย่างใกล้ชิดทุกสัปดาห์\n#ไทยคู่ฟ้า",
        "2024-01-10",
        "ด้านเศรษฐกิจ",
        hashtags=("#ไทยคู่ฟ้า",),
    ),
    article(
        2002,
        "นายกรัฐมนตรีหารือแนวทางส่งออกข้าวไปต่างประเทศ",
        "นายกรัฐมนตรีประชุมร่วมกับผู้ส่งออกเพื่อขยายตลาดข้าวไทยในเอเชียและยุโรป\n"
        "ที่ประชุมเห็นชอบให้จัดงานแสดงสินค้าเกษตรในปีหน้า",
        "2024-02-14",
        "ข่าวทำเนียบรัฐบาล",
    ),
    article(
        2003,
        "กระทรวงศึกษาธิการเปิดโครงการทุนการศึกษาสำหรับนักเรียนชนบท",
        "นักเรียนที่มีผลการเรียนดีสามารถสมัครขอรับทุนได้ตั้งแต่วันนี้\nโครงการนี้ช่วยลดความเหลื่อมล้ำทางการศึกษา",
        "2024-02-20",
        "ด้านสังคม",
    ),
    article(
        2004,
        "ครม. อนุมัติงบประมาณชลประทานเพื่อชาวนาภาคอีสาน",
        "งบประมาณนี้ใช้สร้างแหล่งน้ำให้ชาวนาปลูกข้าวได้ตลอดปี\nกรมชลประทานจะเริ่มก่อสร้างในเดือนหน้า",
        "2023-11-05",
        "ด้านเศรษฐกิจ",
    ),
    article(
        2005,
        "Prime Minister promotes Thai jasmine products in Europe",
        "The Prime Minister met European importers to promote Thai agricultural products.\n"
        "Both sides agreed to hold a trade fair next year.",
        "2024-03-02",
        "Government News",
        lang="en",
    ),
    article(SCRIPT_ID, SCRIPT_TITLE, SCRIPT_BODY, "2024-03-15", "ด้านสังคม"),
    article(
        REVISED_ID,
        "โฆษกรัฐบาลแถลงผลการประชุมคณะรัฐมนตรี",
        "โฆษกรัฐบาลแถลงว่าที่ประชุมอนุมัติโครงการถนนชนบท\nรายละเอียดจะประกาศในภายหลัง",
        "2024-01-25",
        "ข่าวคณะโฆษก",
    ),
]

REVISION: dict[str, Any] = {
    **ARTICLES[-1],
    "title": "โฆษกรัฐบาลแถลงผลการประชุมคณะรัฐมนตรี (ฉบับแก้ไข)",
    "body": "โฆษกรัฐบาลแถลงว่าที่ประชุมอนุมัติโครงการถนนชนบทและโครงการรับซื้อข้าว\nรายละเอียดจะประกาศในภายหลัง",
}


def open_backend_for_test(kind: str, directory: Path, elasticsearch_url: str = "") -> Any:
    """An empty backend of ``kind``; Elasticsearch gets an index name unique to this call."""
    from pipelines.core.settings import ThaigovSettings
    from search.backends.embedded import EmbeddedBackend
    from search.backends.select import open_backend

    if kind == "elasticsearch":
        env = {
            "THAIGOV_ELASTICSEARCH_URL": elasticsearch_url,
            "THAIGOV_ELASTICSEARCH_INDEX": f"{ES_TEST_PREFIX}-{uuid.uuid4().hex[:10]}",
        }
        return open_backend(ThaigovSettings.from_scrapy(env), create=True)
    return EmbeddedBackend(directory / "search.sqlite3")


def drop_test_indices(elasticsearch_url: str) -> None:
    """Delete every index and template the web tests created in Elasticsearch."""
    drop_elasticsearch(elasticsearch_url, ES_TEST_PREFIX)


def build_archive(directory: Path, backend: Any = None) -> tuple[Any, Any]:
    """A real SQLite archive and a real search index holding the fixture articles.

    ``backend`` defaults to an embedded index in ``directory``. Returns (ArchiveStore,
    backend); the caller closes them.
    """
    from pipelines.archive.store import ArchiveStore
    from search.services.documents import documents_from_articles

    store = ArchiveStore(f"sqlite:///{directory / 'archive.sqlite3'}")
    store.upsert_batch([dict(a) for a in ARTICLES])
    store.upsert_batch([dict(REVISION)])
    if backend is None:
        backend = open_backend_for_test("embedded", directory)
    backend.ensure_schema()
    outcome = backend.index_batch(documents_from_articles(list(store.iter_articles())))
    assert not outcome.failed, outcome.failed
    return store, backend

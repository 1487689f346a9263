"""Fixture articles for the search tests, written for them (no corpus text).

Chosen so that each behaviour has exactly one right answer:
- "ตา" (eye) occurs as a word only in 1005; the substring ตา also sits inside ตาก (a province)
  in 1001 and inside ตาราง/ภาษา... in others, which a word-level index must not match.
- "ยา" (medicine) occurs only in 1003; 1002 has "ยาง" (rubber) and "พยาบาล" (nurse), which
  contain the substring ยา but are different words.
- Phrase "ราคายาง" is adjacent only in 1002; 1006 has both words apart.
- Dates span three months of 2024 and one of 2023 for range, sort and per-month tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from search.backends.base import SearchBackend


def search_record(
    article_id: int,
    title: str,
    body: str,
    published_date: str | None,
    category: str,
    lang: str = "th",
    *,
    content_hash: str | None = None,
) -> dict[str, Any]:
    """The article fields the search index reads (the workbench and Thai-search fixtures too)."""
    return {
        "article_id": article_id,
        "url": f"https://www.thaigov.go.th/news/contents/details/{article_id}",
        "title": title,
        "body": body,
        "published_date": published_date,
        "category": category,
        "lang": lang,
        "content_hash": content_hash or f"hash-{article_id}",
    }


ARTICLES: list[dict[str, Any]] = [
    search_record(
        1001,
        "นายกรัฐมนตรีลงพื้นที่จังหวัดตากติดตามสถานการณ์น้ำ",
        "วันนี้นายกรัฐมนตรีเดินทางไปจังหวัดตากเพื่อติดตามสถานการณ์น้ำท่วม\n"
        "พร้อมมอบถุงยังชีพให้ประชาชนที่ได้รับผลกระทบ และสั่งการให้หน่วยงานเร่งช่วยเหลือ",
        "2024-01-15",
        "ข่าวทำเนียบรัฐบาล",
    ),
    search_record(
        1002,
        "รัฐบาลช่วยเหลือเกษตรกรชาวสวนยาง",
        "คณะรัฐมนตรีอนุมัติมาตรการดูแลราคายางพารา เพื่อช่วยเหลือเกษตรกรชาวสวนยางทั่วประเทศ\n"
        "กระทรวงเกษตรและสหกรณ์จะติดตามราคายางอย่างใกล้ชิด ส่วนพยาบาลอาสาจะลงพื้นที่ตรวจสุขภาพ",
        "2024-02-03",
        "ด้านเศรษฐกิจ",
    ),
    search_record(
        1003,
        "กระทรวงสาธารณสุขแจกยาให้ผู้ป่วยโรคเรื้อรัง",
        "โรงพยาบาลทุกแห่งเตรียมยาและเวชภัณฑ์ให้เพียงพอ ผู้ป่วยสามารถรับยาได้ที่ร้านยาใกล้บ้าน\n"
        "โดยไม่ต้องเดินทางไปโรงพยาบาล ลดความแออัดและลดค่าใช้จ่ายของประชาชน",
        "2024-02-20",
        "ด้านสังคม",
    ),
    search_record(
        1004,
        "Prime Minister welcomes foreign investors",
        "The Prime Minister met foreign investors at Government House on Monday.\n"
        "The government will support investment in electric vehicles and digital industries.",
        "2024-03-05",
        "Government News",
        lang="en",
    ),
    search_record(
        1005,
        "โครงการตรวจสุขภาพตาผู้สูงอายุ",
        "กระทรวงสาธารณสุขจัดโครงการตรวจตาฟรีให้ผู้สูงอายุ เพื่อป้องกันโรคต้อกระจก\n"
        "ผู้สูงอายุที่มีปัญหาสายตาสามารถลงทะเบียนได้ที่โรงพยาบาลส่งเสริมสุขภาพตำบล",
        "2024-03-18",
        "ด้านสังคม",
    ),
    search_record(
        1006,
        "ประชุมคณะรัฐมนตรีเรื่องราคาสินค้าเกษตร",
        "ที่ประชุมคณะรัฐมนตรีพิจารณาราคาสินค้าเกษตรหลายชนิด เช่น ข้าว มันสำปะหลัง และยาง\n"
        "นายกรัฐมนตรีกล่าวว่ารัฐบาลจะดูแลเกษตรกรอย่างเต็มที่",
        "2023-12-26",
        "ด้านเศรษฐกิจ",
    ),
    search_record(
        1007,
        "Cabinet approves water management plan",
        "The Cabinet approved a national water management plan to prevent floods.\n"
        "The Prime Minister said farmers in the north will receive support"
        " before the rainy season.",
        "2024-01-30",
        "Cabinet Meeting Synopsis",
        lang="en",
    ),
    search_record(
        1008,
        "โฆษกรัฐบาลแถลงผลการประชุมคณะรัฐมนตรี",
        "โฆษกประจำสำนักนายกรัฐมนตรีแถลงว่าคณะรัฐมนตรีเห็นชอบแผนบริหารจัดการน้ำ\n"
        "และมาตรการกระตุ้นการท่องเที่ยวในช่วงเทศกาลสงกรานต์ COVID-19 ไม่เป็นอุปสรรคอีกต่อไป",
        "2024-03-26",
        "ข่าวคณะโฆษก",
    ),
]


def article(article_id: int) -> dict[str, Any]:
    return next(a for a in ARTICLES if a["article_id"] == article_id)


def fresh_backend(kind: str, tmp_path: Path, request: Any, label: str) -> SearchBackend:
    """An empty backend of ``kind`` ("embedded" or "elasticsearch"): an index file in
    ``tmp_path``, or indexes named ``thaigov-<label>-<random>`` dropped after the test."""
    import uuid

    from pipelines.core.settings import ThaigovSettings
    from search.backends.embedded import EmbeddedBackend
    from search.backends.select import open_backend

    if kind == "elasticsearch":
        url = request.getfixturevalue("elasticsearch_url")
        prefix = f"thaigov-{label}-{uuid.uuid4().hex[:10]}"
        request.addfinalizer(lambda: drop_elasticsearch(url, prefix))
        return open_backend(
            ThaigovSettings.load(elasticsearch_url=url, elasticsearch_index=prefix), create=True
        )
    return EmbeddedBackend(tmp_path / "search.sqlite3")


def drop_elasticsearch(url: str, prefix: str) -> None:
    """Delete every index and template the run created (names are unique to this run)."""
    from elasticsearch import Elasticsearch

    with Elasticsearch(url) as client:
        found = client.indices.get(
            index=f"{prefix}*", allow_no_indices=True, ignore_unavailable=True
        )
        for name in found:
            client.indices.delete(index=name, ignore_unavailable=True)
        templates = client.options(ignore_status=404).indices.get_index_template(name=f"{prefix}*")
        for template in templates.get("index_templates", []):
            client.indices.delete_index_template(name=template["name"])


@contextmanager
def indexed_pair(
    elasticsearch_url: str, directory: Path, prefix: str, articles: list[dict[str, Any]]
) -> Iterator[tuple[SearchBackend, SearchBackend]]:
    """``articles`` indexed in an embedded index under ``directory`` and in an Elasticsearch
    index named ``prefix``: (embedded, elastic), closed and dropped afterwards."""
    from search.backends.elastic import ElasticsearchBackend
    from search.backends.embedded import EmbeddedBackend
    from search.services.documents import documents_from_articles

    embedded = EmbeddedBackend(directory / "search.sqlite3")
    elastic = ElasticsearchBackend(elasticsearch_url, index=prefix)
    docs = documents_from_articles(articles)
    for backend in (embedded, elastic):
        backend.ensure_schema()
        assert backend.index_batch(docs).failed == {}
    yield embedded, elastic
    embedded.close()
    elastic.close()
    drop_elasticsearch(elasticsearch_url, prefix)

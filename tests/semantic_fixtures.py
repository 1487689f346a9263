"""Fixture articles for semantic search, written for these tests (no corpus text).

Topics, each with one clear answer for a question in another language:
- rubber farmers (3001 Thai, 3002 the same announcement re-posted in another category: a
  near-duplicate; only a header line differs), floods (3003 Thai, 3004 English),
  vaccination (3005 Thai), tourism (3006 Thai, March 2024), tax on cars (3007 Thai, distractor).
"""

from __future__ import annotations

from typing import Any

from tests.search_fixtures import search_record as _article

RUBBER = (
    "รัฐบาลอนุมัติมาตรการช่วยเหลือเกษตรกรชาวสวนยางพารา",
    "คณะรัฐมนตรีอนุมัติเงินช่วยเหลือเกษตรกรชาวสวนยางพาราไร่ละหนึ่งพันบาท"
    " เพื่อรับมือราคายางตกต่ำ\nกระทรวงเกษตรและสหกรณ์จะโอนเงินเข้าบัญชีเกษตรกรภายในเดือนนี้",
)

SEMANTIC_ARTICLES: list[dict[str, Any]] = [
    _article(3001, RUBBER[0], RUBBER[1], "2024-01-10", "ด้านเศรษฐกิจ"),
    _article(3002, RUBBER[0], "ข่าวประชาสัมพันธ์\n" + RUBBER[1], "2024-01-10", "ข่าวทำเนียบรัฐบาล"),
    _article(
        3003,
        "นายกรัฐมนตรีสั่งเร่งช่วยเหลือผู้ประสบอุทกภัยภาคใต้",
        "น้ำท่วมหนักในจังหวัดนครศรีธรรมราชและสงขลา รัฐบาลส่งถุงยังชีพและเรือไปช่วยประชาชน"
        "\nหน่วยทหารเร่งอพยพผู้ประสบภัยน้ำท่วมออกจากพื้นที่เสี่ยง",
        "2023-12-05",
        "ข่าวทำเนียบรัฐบาล",
    ),
    _article(
        3004,
        "Government sends aid to flood victims in the South",
        "The Prime Minister ordered agencies to deliver relief supplies to people affected by"
        " flooding in southern provinces.\nSoldiers helped evacuate residents.",
        "2023-12-06",
        "Government News",
        lang="en",
    ),
    _article(
        3005,
        "กระทรวงสาธารณสุขเร่งฉีดวัคซีนโควิด-19 ให้ผู้สูงอายุ",
        "กระทรวงสาธารณสุขตั้งเป้าฉีดวัคซีนป้องกันโรคโควิด-19 ให้ผู้สูงอายุครบทุกคน"
        "\nประชาชนสามารถรับวัคซีนได้ที่โรงพยาบาลใกล้บ้าน",
        "2024-02-14",
        "ด้านสังคม",
    ),
    _article(
        3006,
        "รัฐบาลส่งเสริมการท่องเที่ยวช่วงเทศกาลสงกรานต์",
        "การท่องเที่ยวแห่งประเทศไทยจัดกิจกรรมดึงดูดนักท่องเที่ยวต่างชาติ\nคาดว่ารายได้จากการท่องเที่ยวจะเพิ่มขึ้นมาก",
        "2024-03-20",
        "ด้านเศรษฐกิจ",
    ),
    _article(
        3007,
        "กรมสรรพสามิตปรับอัตราภาษีรถยนต์",
        "กรมสรรพสามิตประกาศอัตราภาษีรถยนต์ใหม่ มีผลตั้งแต่ต้นปีหน้า\nผู้ประกอบการต้องยื่นแบบภายในกำหนด",
        "2024-02-01",
        "ด้านเศรษฐกิจ",
    ),
]


def semantic_article(article_id: int) -> dict[str, Any]:
    return next(a for a in SEMANTIC_ARTICLES if a["article_id"] == article_id)

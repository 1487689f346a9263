"""Fixture articles for the issue-12 search rules, written for these tests (no corpus text).

Each rule has exactly one right answer here:
- compounds: ท่องเที่ยว is a whole word only in 2002 (ไปท่องเที่ยว...), a part in 2001
  (กระทรวงการท่องเที่ยวและกีฬา, นักท่องเที่ยว); สาธารณสุข only inside กระทรวงสาธารณสุข (2003);
  ดิจิทัล only inside กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม (2004).
- syllable traps: 2006 has นายก, นาที, รัฐมนตรี but not the words นา or มน; 2008 has ยาง but
  not ยา; นา is a word in 2007 (ไร่นา), ยา in 2009.
- mixed scripts: 5G in 2004 and 2010; 2005 has G-Wallet and a separate 5, the old false hit;
  PM2.5 in 2003; COVID-19 and G20 in 2010; นายกฯ and ครม. in 2006.
- "did you mean": ประยุทธ์ occurs in three articles (2006, 2011, 2012), ประยุทธ in none.
"""

from __future__ import annotations

from typing import Any

from tests.search_fixtures import search_record


def _article(article_id: int, title: str, body: str, day: str, lang: str = "th") -> dict[str, Any]:
    return search_record(
        article_id, title, body, f"2024-{day}", "ข่าวทดสอบ", lang, content_hash=f"thai-{article_id}"
    )


THAI_ARTICLES: list[dict[str, Any]] = [
    _article(
        2001,
        "กระทรวงการท่องเที่ยวและกีฬาเปิดโครงการใหม่",
        "นักท่องเที่ยวต่างชาติเดินทางเข้าประเทศเพิ่มขึ้นในเดือนนี้",
        "01-05",
    ),
    _article(
        2002,
        "ชวนคนไทยไปท่องเที่ยวที่ภูเก็ต",
        "รัฐบาลชวนประชาชนไปท่องเที่ยวในวันหยุดยาว เพื่อกระตุ้นเศรษฐกิจ",
        "01-20",
    ),
    _article(
        2003,
        "กระทรวงสาธารณสุขเตือนฝุ่น PM2.5",
        "ค่าฝุ่น PM2.5 เกินมาตรฐานหลายพื้นที่ ประชาชนควรสวมหน้ากากอนามัย",
        "02-02",
    ),
    _article(
        2004,
        "กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคมเปิดเครือข่าย 5G",
        "ผู้ให้บริการขยายสัญญาณ 5G ให้ครอบคลุมทั่วประเทศ",
        "02-14",
    ),
    _article(
        2005,
        "ธนาคารเปิดแอป G-Wallet",
        "ประชาชนเติมเงินใน G-Wallet ได้ 5 ช่องทาง",
        "03-01",
    ),
    _article(
        2006,
        "นายกฯ ประชุม ครม.",
        "พลเอกประยุทธ์เป็นประธานการประชุมคณะรัฐมนตรี ใช้เวลา 30 นาที ที่ทำเนียบรัฐบาล",
        "03-12",
    ),
    _article(
        2007,
        "เกษตรกรเตรียมไร่นา",
        "เกษตรกรไถนาก่อนฤดูฝน และปลูกข้าวในไร่นาของตนเอง",
        "03-20",
    ),
    _article(
        2008,
        "ยางพาราราคาดี",
        "ราคายางสูงขึ้นต่อเนื่อง ชาวสวนยางพอใจ",
        "04-02",
    ),
    _article(
        2009,
        "แจกยาฟรีที่ร้านยา",
        "ผู้ป่วยรับยาได้ที่ร้านยาใกล้บ้าน",
        "04-10",
    ),
    _article(
        2010,
        "Thailand rolls out COVID-19 vaccines",
        "The G20 summit discussed COVID-19 recovery and 5G networks for public health.",
        "04-22",
        lang="en",
    ),
    _article(
        2011,
        "ประยุทธ์ลงพื้นที่ภาคเหนือ",
        "พลเอกประยุทธ์ติดตามสถานการณ์น้ำในภาคเหนือ",
        "05-03",
    ),
    _article(
        2012,
        "ประยุทธ์พบผู้นำต่างประเทศ",
        "พลเอกประยุทธ์หารือความร่วมมือด้านการค้า",
        "05-18",
    ),
]

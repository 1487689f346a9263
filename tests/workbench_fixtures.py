"""Fixture articles for the research workbench, written for it (no corpus text).

Most texts are Thai words separated by spaces, so every count can be checked by eye; 2008 is
unspaced Thai (the segmenter finds its words) and undated (it is in no trend period).

Hand counts the tests rely on (title + body tokens per article):
  2001 2024-01-05 เศรษฐกิจ  2 + 9 = 11   ข้าว 1 + 2
  2002 2024-01-20 เศรษฐกิจ  2 + 9 = 11   ข้าว 0 + 1, ยาง 1 + 2
  2003 2024-02-14 สังคม      3 + 4 = 7    ท่องเที่ยว 1 + 2
  2004 2024-04-02 เศรษฐกิจ  4 + 3 = 7    ข้าว 1 + 2, ยาง 1 + 1
  2005 2023-12-28 สังคม      1 + 4 = 5    ข้าว 0 + 1
  2006 2024-02-25 สังคม      1 + 4 = 5    (ไม่มี is two words: ไม่ มี)
  2007 2024-01-28 สังคม      2 + 4 = 6
  2008 undated    สังคม      3 + 15 = 18  ประชาชน 1 + 2
  corpus: 70 tokens
"""

from __future__ import annotations

from typing import Any

from tests.search_fixtures import search_record

ARTICLES: list[dict[str, Any]] = [
    search_record(2001, "ราคา ข้าว", "ชาวนา ขาย ข้าว ราคา ดี ข้าว หอม ขาย ดี", "2024-01-05", "เศรษฐกิจ"),
    search_record(
        2002, "ตลาด ยาง", "ราคา ยาง ตก ชาวสวน ยาง เดือดร้อน ข้าว ราคา ดี", "2024-01-20", "เศรษฐกิจ"
    ),
    search_record(2003, "ท่องเที่ยว ฤดู ร้อน", "ท่องเที่ยว ทะเล ท่องเที่ยว ภูเขา", "2024-02-14", "สังคม"),
    search_record(2004, "ส่งออก ข้าว และ ยาง", "ข้าว ยาง ข้าว", "2024-04-02", "เศรษฐกิจ"),
    search_record(2005, "ประชุม", "ประชุม ครม ราคา ข้าว", "2023-12-28", "สังคม"),
    search_record(2006, "ข่าว", "ไม่มี คำ ค้น", "2024-02-25", "สังคม"),
    search_record(2007, "อากาศ ดี", "ฝน ตก ทั่ว ไทย", "2024-01-28", "สังคม"),
    search_record(
        2008,
        "นายกรัฐมนตรีพบประชาชน",
        "นายกรัฐมนตรีเดินทางไปจังหวัดเชียงใหม่เพื่อพบประชาชนและเกษตรกร ก่อนกลับมาพบประชาชนอีกครั้ง",
        None,
        "สังคม",
    ),
]

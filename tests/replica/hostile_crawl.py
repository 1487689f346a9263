"""Hostile pages for the crawler (ids 2001-2099): what other people's servers may send.

Each page is a fixture article (written for this project) served in a hostile way, with the
fields extraction must still produce and the hazard it must count. The server routes these ids
here unless ``extra_ids`` synthetic articles already cover them (benchmarks). Ids 2101-2199 are
the web side's hostile pages (links and markup meant for the archive's pages).

    2001 article nested 300 <div>s deep       2002 windows-874 body under "charset=utf-8"
    2003 NUL bytes, U+FFFD, &#0; and &#2;      2004 gzip bomb (tiny on the wire, huge inflated)
    2005 429 + Retry-After once, then 200     2006 javascript:/data:/vbscript:/mailto:/malformed
    2007 429 + Retry-After as an HTTP date         attachment and image links
         (4 s ahead) once, then 200
"""

from __future__ import annotations

import gzip
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any

from tests.replica import pages
from tests.replica.fixtures import SITE_ORIGIN, FixtureArticle

if TYPE_CHECKING:
    from tests.replica.server import ReplicaServer

CRAWL_IDS = range(2001, 2100)

DEEP_NESTING_ID = 2001
DEEP_NESTING_LEVELS = 300
WRONG_CHARSET_ID = 2002
NUL_BYTES_ID = 2003
GZIP_BOMB_ID = 2004
GZIP_BOMB_BYTES = 16 * 1024 * 1024  # inflated size; about 16 kB on the wire
RETRY_AFTER_SITE_ID = 2005
RETRY_AFTER_SITE_SECONDS = 3
RETRY_AFTER_DATE_ID = 2007
RETRY_AFTER_DATE_SECONDS = 4  # the date is this far ahead when sent (whole seconds: 3 to 4 s)
RETRY_AFTER_IDS = frozenset({RETRY_AFTER_SITE_ID, RETRY_AFTER_DATE_ID})
HOSTILE_LINKS_ID = 2006

#: Links on page 2006 and what must survive (resolved against the canonical page URL).
HOSTILE_ATTACHMENTS = (
    "javascript:alert(document.domain)//x.pdf",
    "JavaScript:alert(1)//y.docx",
    "java\tscript:alert(2)//z.pdf",
    "vbscript:msgbox(1)//x.doc",
    "data:text/html,<script>alert(3)</script>//a.pdf",
    "mailto:someone@example.org/a.pdf",
    "http://[::1/broken.pdf",
    "/FileUpload/Attach/2567/05/test-2006.pdf",
    "//files.example.org/test-2006.xlsx",
)
HOSTILE_IMAGES = (
    "javascript:alert(4)",
    "data:image/png;base64,iVBORw0KGgo=",
    " vbscript:msgbox(2)",
    "/FileUpload/Pictures/2567/05/test-2006.jpg",
    "https://cdn.example.org/thaigov-test/2006.png",
)
SAFE_ATTACHMENTS = [
    f"{SITE_ORIGIN}/FileUpload/Attach/2567/05/test-2006.pdf",
    "https://files.example.org/test-2006.xlsx",
]
SAFE_IMAGES = [
    f"{SITE_ORIGIN}/FileUpload/Pictures/2567/05/test-2006.jpg",
    "https://cdn.example.org/thaigov-test/2006.png",
]
DROPPED_SCHEME_LINKS = 9  # 6 attachments and 3 images above with a scheme other than http(s)
DROPPED_MALFORMED_LINKS = 1  # http://[::1/broken.pdf


def _article(article_id: int, title: str, **overrides: Any) -> FixtureArticle:
    fields: dict[str, Any] = {
        "category_html": "ข่าวทำเนียบรัฐบาล",
        "long_date": "วันพุธที่ 15 พฤษภาคม 2567",
        "numeric_date": "15/05/2567",
        "print_link": True,
        "paragraphs": (
            f"ข่าวทดสอบหน้าที่ไม่เป็นมิตรหมายเลข {article_id} ระบบต้องเก็บข้อความครบถ้วน",
            "ข้อมูลทดสอบนี้เขียนขึ้นสำหรับโครงการเท่านั้น",
        ),
        "hashtags": ("#ไทยคู่ฟ้า",),
    }
    fields.update(overrides)
    return FixtureArticle(article_id, title=title, **fields)


ARTICLES: dict[int, FixtureArticle] = {
    a.article_id: a
    for a in (
        _article(DEEP_NESTING_ID, "หน่วยงานทดสอบเผยแพร่ข่าวที่ซ้อนกันลึกสามร้อยชั้น"),
        _article(WRONG_CHARSET_ID, "ประกาศทดสอบที่ส่งรหัสอักขระไม่ตรงกับหัวข้อ"),
        _article(NUL_BYTES_ID, "ข่าวทดสอบที่มีอักขระว่างปนอยู่ในข้อความ"),
        _article(GZIP_BOMB_ID, "หน้าทดสอบที่บีบอัดแล้วขยายใหญ่เกินกำหนด"),
        _article(RETRY_AFTER_SITE_ID, "เว็บไซต์ทดสอบขอให้กลับมาใหม่ภายหลัง"),
        _article(RETRY_AFTER_DATE_ID, "เว็บไซต์ทดสอบระบุเวลาที่ให้กลับมาใหม่"),
        _article(
            HOSTILE_LINKS_ID,
            "ข่าวทดสอบที่มีลิงก์เอกสารแนบอันตราย",
            attachments=HOSTILE_ATTACHMENTS,
            images=HOSTILE_IMAGES,
        ),
    )
}
#: Ids that must become articles in a crawl (the gzip bomb is skipped as too_large).
ARTICLE_IDS = frozenset(ARTICLES) - {GZIP_BOMB_ID}


def expected_fields(article_id: int) -> dict[str, Any]:
    """The fields extraction must produce from the hostile page (``fetched_at`` excluded)."""
    fields = ARTICLES[article_id].expected_fields()
    if article_id == HOSTILE_LINKS_ID:
        fields |= {"attachments": SAFE_ATTACHMENTS, "images": SAFE_IMAGES}
    return fields


def page_bytes(article_id: int) -> tuple[bytes, str]:
    """The served body and its Content-Type (before any Content-Encoding)."""
    html = pages.detail_page(ARTICLES[article_id])
    if article_id == DEEP_NESTING_ID:
        detail = '<div class="news-detail">'
        html = html.replace(detail, detail + "<div>" * DEEP_NESTING_LEVELS, 1)
        html = html.replace("</div>\n</div>\n</div>", "</div>" * (DEEP_NESTING_LEVELS + 3), 1)
    elif article_id == WRONG_CHARSET_ID:
        # Header and <meta> both claim UTF-8; the bytes are windows-874.
        return html.encode("cp874"), "text/html; charset=utf-8"
    elif article_id == NUL_BYTES_ID:
        html = (
            html.replace("เก็บข้อความ", "เก็บ\x00ข้อ\x00ความ")
            .replace("อักขระว่าง", "อักขระ\ufffdว่าง")
            .replace("ข้อมูลทดสอบ", "ข้อมูล&#0;ทดสอบ&#2;")
        )
    return html.encode(), "text/html; charset=utf-8"


_GZIP_BOMB: list[bytes] = []


def gzip_bomb() -> bytes:
    if not _GZIP_BOMB:
        page, _ = page_bytes(GZIP_BOMB_ID)
        padding = b"<!-- " + b" " * GZIP_BOMB_BYTES + b" -->"
        _GZIP_BOMB.append(gzip.compress(page.replace(b"</body>", padding + b"</body>"), 9))
    return _GZIP_BOMB[0]


def respond(
    handler: BaseHTTPRequestHandler, replica: ReplicaServer, article_id: int, before: int
) -> None:
    """Answer a request for a hostile id (``before``: earlier requests for the same path)."""
    send = handler._send  # type: ignore[attr-defined]
    if article_id not in ARTICLES:
        send(200, pages.soft_404_page().encode())
    elif article_id == GZIP_BOMB_ID:
        send(200, gzip_bomb(), headers={"Content-Encoding": "gzip"})
    elif article_id in RETRY_AFTER_IDS and before == 0:
        if article_id == RETRY_AFTER_SITE_ID:
            retry_after = str(RETRY_AFTER_SITE_SECONDS)
        else:
            retry_after = formatdate(time.time() + RETRY_AFTER_DATE_SECONDS, usegmt=True)
        send(
            429,
            b"<html><body>Too Many Requests</body></html>",
            headers={"Retry-After": retry_after},
        )
        replica.retry_after_sent.append(time.monotonic())
    else:
        body, content_type = page_bytes(article_id)
        send(200, body, content_type)

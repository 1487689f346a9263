"""HTML of the replica's pages, in the structure described in ../shared/thaigov-site.md.

Known anchors are reproduced exactly (title prefix, ``border-normal clearfix`` block, category
span class, date lines, ``พิมพ์``); assumed details (og:title, images, attachments) follow the
reconstruction. Site chrome (menu, footer) gives pages a realistic size and decoy text.
"""

from __future__ import annotations

from html import escape

from tests.replica.fixtures import LISTING_ID, LISTING_PAGES, FixtureArticle

TITLE_PREFIX = "รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-"
CATEGORY_CLASS = "Circular headtitle-2 font_level6 color2 col-xs-9 remove-xs"

_MENU = "\n".join(
    f'<li><a href="/news/contents/ministry/{n}">หน่วยงานในสังกัดลำดับที่ {n}</a></li>'
    for n in range(1, 61)
)
_HEADER = f"""<header class="header">
<a href="/"><img src="/images/logo-thaigov.png" alt="รัฐบาลไทย"></a>
<nav class="menu"><ul>
<li><a href="/news/index">ข่าวทำเนียบรัฐบาล</a></li>
{_MENU}
</ul></nav>
</header>"""
_FOOTER = """<footer class="footer">
<p>สำนักงานทดสอบ เลขที่ 1 ถนนทดสอบ เขตทดสอบ กรุงเทพฯ 10300</p>
<p>หน้าเว็บนี้เป็นแบบจำลองสำหรับการทดสอบเท่านั้น</p>
</footer>"""


def _head(title_tag: str, og_title: str | None, og_image: str | None, charset: str) -> str:
    metas = [f'<meta charset="{charset}">']
    if og_title is not None:
        metas.append(f'<meta property="og:title" content="{escape(og_title)}">')
    if og_image:
        metas.append(f'<meta property="og:image" content="{escape(og_image)}">')
    return (
        f"<head>\n{chr(10).join(metas)}\n<title>{escape(title_tag)}</title>\n"
        '<link rel="stylesheet" href="/css/style.css">\n</head>'
    )


def detail_page(article: FixtureArticle) -> str:
    """The full detail page of one fixture article."""
    a = article
    title = escape(a.title)
    parts: list[str] = [f'<div class="date-line">{escape(a.long_date)}</div>']
    if a.numeric_date:
        parts.append(f'<div class="date-line-number">{escape(a.numeric_date)}</div>')
    if a.print_link:
        parts.append('<a class="print" href="javascript:window.print()">พิมพ์</a>')
    heading_tag = "h1" if a.layout == "h1" else "h3"
    parts.append(f'<{heading_tag} class="Circular headtitle-1">{title}</{heading_tag}>')
    if a.images:
        gallery = "".join(f'<img src="{escape(src)}" alt="">' for src in a.images)
        caption = f'<p class="caption">{title}</p>' if a.title_repeats >= 2 else ""
        parts.append(f'<div class="gallery">{gallery}{caption}</div>')
    elif a.title_repeats >= 2:
        parts.append(f'<p class="caption">{title}</p>')
    parts.append('<div class="news-detail">')
    if a.title_repeats >= 3:
        parts.append(f"<p><strong>{title}</strong></p>")
    parts.extend(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    if a.hashtags:
        parts.append(f"<p>{escape(' '.join(a.hashtags))}</p>")
    if a.credit:
        parts.append(f"<p>{escape(a.credit)}</p>")
    parts.extend(
        f'<p><a href="{escape(href)}" target="_blank">ดาวน์โหลดเอกสารแนบ</a></p>'
        for href in a.attachments
    )
    parts.append("</div>")
    article_html = "\n".join(parts)

    if a.layout == "largest_block":
        block = f'<div class="content-main">\n{article_html}\n</div>'
    else:
        block = f'<div class="border-normal clearfix">\n{article_html}\n</div>'
    title_tag = TITLE_PREFIX + a.title if a.layout == "anchors" else "Thai Government"
    if a.layout == "largest_block":
        title_tag = TITLE_PREFIX + a.title
    og_title = a.title if a.layout in ("anchors", "og_title", "largest_block") else None
    og_image = a.images[0] if a.images else None
    lang = "en" if a.lang == "en" else "th"
    return f"""<!DOCTYPE html>
<html lang="{lang}">
{_head(title_tag, og_title, og_image, a.charset)}
<body>
{_HEADER}
<div class="container">
<div class="row"><span class="{CATEGORY_CLASS}">{escape(a.category_html)}</span></div>
{block}
</div>
{_FOOTER}
</body>
</html>
"""


def soft_404_page() -> str:
    """What the site answers (HTTP 200) for an id that holds no article."""
    return f"""<!DOCTYPE html>
<html lang="th">
{_head(TITLE_PREFIX, None, None, "utf-8")}
<body>
{_HEADER}
<div class="container">
<div class="row"><span class="{CATEGORY_CLASS}"></span></div>
<div class="border-normal clearfix">
</div>
</div>
{_FOOTER}
</body>
</html>
"""


def no_article_block_page() -> str:
    """A page with a real title but a maintenance notice instead of the article block."""
    return f"""<!DOCTYPE html>
<html lang="th">
{_head(TITLE_PREFIX + "ประกาศปิดปรับปรุงระบบ", None, None, "utf-8")}
<body>
{_HEADER}
<div class="container"><div class="notice"><p>ขออภัย ระบบอยู่ระหว่างปรับปรุง</p></div></div>
{_FOOTER}
</body>
</html>
"""


def not_found_page() -> str:
    return (
        "<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
        "<body><h1>Not Found</h1></body></html>"
    )


def huge_page(size: int) -> str:
    """A detail page padded past ``size`` bytes (the crawler must refuse it)."""
    filler = "<p>" + "ข้อความทดสอบขนาดใหญ่ " * 50 + "</p>\n"
    reps = size // len(filler.encode()) + 1
    return (
        f"<!DOCTYPE html><html><head><title>{TITLE_PREFIX}หน้าขนาดใหญ่</title></head><body>"
        f'<div class="border-normal clearfix">{filler * reps}</div></body></html>'
    )


def listing_page(page: int) -> str:
    """Page ``page`` (1-based) of the listing, with numbered pagination and a next link."""
    ids = LISTING_PAGES[page - 1]
    items = "\n".join(f'<li><a href="/news/contents/details/{i}">ข่าวลำดับ {i}</a></li>' for i in ids)
    path = f"/news/contents/listing/{LISTING_ID}"
    pages = "".join(
        f'<li><a href="{path}?page={k}">{k}</a></li>' for k in range(1, len(LISTING_PAGES) + 1)
    )
    nxt = f'<li><a href="{path}?page={page + 1}">ถัดไป</a></li>' if page < len(LISTING_PAGES) else ""
    return f"""<!DOCTYPE html>
<html lang="th">
{_head(TITLE_PREFIX + "ข่าวทั้งหมด", None, None, "utf-8")}
<body>
{_HEADER}
<div class="container"><ul class="news-list">
{items}
</ul>
<ul class="pagination">{pages}{nxt}</ul>
<p><a href="/news/contents/ministry/3">หน่วยงานอื่น</a></p>
</div>
{_FOOTER}
</body>
</html>
"""

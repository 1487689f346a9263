"""Fixture articles and named id sets for the local replica of www.thaigov.go.th.

Every text here was written for this project (none is copied from the site or the corpus). Each
fixture carries both how its page is rendered (``layout``, date lines, repeats...) and the fields
an extractor must produce from it (``expected_fields``), so tests compare against data stated here,
not against the extractor's own output.

Id layout (gaps on purpose, longest run of non-articles is 3, so incremental crawls with
``THAIGOV_MAX_CONSECUTIVE_MISSES >= 4`` walk through every fixture)::

    1001 A  1002 A  1003 A(en) 1004 soft404  1005 A(zwsp)  1006 http404  1007 A  1008 A(og_title)
    1009 no-block 1010 A(h1) 1011 A(largest_block) 1012 offsite 1013 A(en) 1014 A(truncated)
    1015 huge 1016 pdf 1017 soft404 1018 A(windows-874) 1019 A(503 then 200) 1020 http404
    1021 A(429 Retry-After, then 200) 1022 soft404 1023 soft404 1024 A   then synthetic ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SITE_ORIGIN = "https://www.thaigov.go.th"


@dataclass(frozen=True)
class FixtureArticle:
    article_id: int
    title: str  # as written in the page (may carry a zero-width space)
    category_html: str  # raw span text, trailing tabs/spaces included
    long_date: str
    numeric_date: str | None
    paragraphs: tuple[str, ...]
    title_repeats: int = 1  # heading, caption, lead paragraph (1-3)
    print_link: bool = False
    hashtags: tuple[str, ...] = ()
    credit: str | None = None
    images: tuple[str, ...] = ()  # as written in src (relative or absolute)
    attachments: tuple[str, ...] = ()  # as written in href
    lang: str = "th"
    #: "anchors" (known structure), "og_title" (no title prefix, og:title present),
    #: "h1" (neither), "largest_block" (no border-normal div).
    layout: str = "anchors"
    charset: str = "utf-8"
    #: Serve only the HTML up to and including this text (a page the CMS cut off mid-render).
    truncate_after: str | None = None
    expected_body: str | None = None  # when the body differs from the paragraphs (truncation)
    #: When the canonical category differs from the span's text (e.g. a trailing dot).
    expected_category: str | None = None
    #: When the record's hashtags differ from those written (trailing punctuation).
    expected_hashtags: tuple[str, ...] | None = None

    @property
    def expected_title(self) -> str:
        return self.title.replace("\u200b", "").strip()

    def expected_fields(self) -> dict[str, Any]:
        """The fields extraction must yield (``fetched_at`` excluded: it is the crawl time)."""
        body_lines = list(self.paragraphs)
        if self.hashtags:
            body_lines.append(" ".join(self.hashtags))
        if self.credit:
            body_lines.append(self.credit)
        return {
            "article_id": self.article_id,
            "url": f"{SITE_ORIGIN}/news/contents/details/{self.article_id}",
            "title": self.expected_title,
            "category": self.expected_category or " ".join(self.category_html.split()) or None,
            "category_original": " ".join(self.category_html.split()) or None,
            "lang": self.lang,
            "published_date_text": self.long_date,
            "published_date_numeric_text": self.numeric_date,
            "body": self.expected_body if self.expected_body is not None else "\n".join(body_lines),
            "hashtags": list(
                self.hashtags if self.expected_hashtags is None else self.expected_hashtags
            ),
            "images": [_absolute(src) for src in self.images],
            "attachments": [_absolute(href) for href in self.attachments],
            "source": "crawl",
        }


def _absolute(ref: str) -> str:
    return ref if "://" in ref else SITE_ORIGIN + ref


ARTICLES: tuple[FixtureArticle, ...] = (
    FixtureArticle(
        1001,
        title="นายกรัฐมนตรีเปิดโครงการตลาดชุมชนสีเขียว ส่งเสริมเกษตรกรรายย่อย 12 จังหวัด",
        category_html="ด้านเศรษฐกิจ\t\t\t",
        long_date="วันศุกร์ที่ 13 ธันวาคม 2567",
        numeric_date="13/12/2567",
        print_link=True,
        title_repeats=3,
        paragraphs=(
            "วันนี้ (13 ธันวาคม 2567) เวลา 09.30 น. ณ ลานกิจกรรมหน้าศาลากลางจังหวัด "
            "นายกรัฐมนตรีเป็นประธานเปิดโครงการตลาดชุมชนสีเขียว",
            "โครงการนี้เปิดพื้นที่ให้เกษตรกรรายย่อยจำหน่ายผลผลิตปลอดสารโดยตรง ระหว่างวันที่ 13 - 15 ธันวาคม 2567",
            "ทั้งนี้ ผู้สนใจสามารถติดต่อสอบถามได้ที่ศูนย์ราชการทุกจังหวัดที่ร่วมโครงการ",
        ),
        hashtags=("#ไทยคู่ฟ้า", "#ตลาดสีเขียว"),
        credit="ข้อมูล : สำนักงานทดสอบประชาสัมพันธ์",
        images=(
            "/FileUpload/Pictures/2567/12/test-1001-a.jpg",
            "/FileUpload/Pictures/2567/12/test-1001-b.jpg",
        ),
        attachments=("/FileUpload/Attach/2567/12/test-1001.pdf",),
    ),
    FixtureArticle(
        1002,
        title="โฆษกรัฐบาลแจ้งกำหนดการประชุมคณะรัฐมนตรีสัญจร",
        category_html="ข่าวคณะโฆษก  \t",
        long_date="วันจันทร์ที่ 2 มกราคม 2566",
        numeric_date=None,
        paragraphs=(
            "โฆษกประจำสำนักนายกรัฐมนตรีแจ้งว่า การประชุมคณะรัฐมนตรีนอกสถานที่ครั้งถัดไป "
            "จะจัดขึ้นในวันที่ 20 มกราคม 2566",
            "ขอให้หน่วยงานที่เกี่ยวข้องเตรียมข้อมูลประกอบการประชุมให้แล้วเสร็จภายใน 2 ม.ค.66",
        ),
        credit="ข้อมูล : ทีมโฆษกทดสอบ",
    ),
    FixtureArticle(
        1003,
        title="Prime Minister welcomes trade delegation to discuss clean energy cooperation",
        category_html="Government News\t",
        long_date="วันพุธที่ 15 พฤศจิกายน 2566",
        numeric_date="15/11/2566",
        title_repeats=2,
        paragraphs=(
            "On November 15, 2023, the Prime Minister received a visiting trade delegation "
            "at Government House to discuss cooperation on clean energy.",
            "Both sides agreed to set up a working group that will report back within "
            "three months.",
        ),
        hashtags=("#ThaiGov",),
        images=("/FileUpload/Pictures/2566/11/test-1003.jpg",),
        lang="en",
    ),
    FixtureArticle(
        1005,
        title="\u200bรองนายกรัฐมนตรีติดตามการแก้ไขปัญหาน้ำท่วมภาคใต้",
        category_html="ด้านสังคม\u00a0\t",
        long_date="วันอังคารที่ 5 ธันวาคม 2566",
        numeric_date=None,
        print_link=True,
        title_repeats=2,
        paragraphs=(
            "รองนายกรัฐมนตรีลงพื้นที่ติดตามสถานการณ์น้ำท่วมและการช่วยเหลือผู้ประสบภัย",
            "สั่งการให้หน่วยงานในพื้นที่เร่งสำรวจความเสียหายภายใน ๗ วัน",
        ),
        hashtags=("#ไทยคู่ฟ้า",),
    ),
    FixtureArticle(
        1007,
        title="ครม. อนุมัติงบกลางสนับสนุนโรงเรียนขนาดเล็ก",
        category_html="ด้านการศึกษา",
        long_date="วันอังคารที่ 30 ตุลาคม 2563",
        numeric_date="30/10/2563",
        print_link=True,
        paragraphs=(
            "ที่ประชุมคณะรัฐมนตรีเมื่อวันที่ ๓๐ ตุลาคม ๒๕๖๓ อนุมัติงบประมาณสนับสนุนโรงเรียนขนาดเล็ก",
            "โดยให้เริ่มเบิกจ่ายได้ตั้งแต่ 2 พ.ย.63 เป็นต้นไป",
        ),
        attachments=(
            "/FileUpload/Attach/2563/10/test-1007-mati.pdf",
            "/FileUpload/Attach/2563/10/test-1007-table.xlsx",
        ),
    ),
    FixtureArticle(
        1008,
        title="กระทรวงทดสอบเชิญชวนประชาชนร่วมแสดงความคิดเห็นร่างกฎหมาย",
        category_html="ข่าวทำเนียบรัฐบาล",
        long_date="วันพฤหัสบดีที่ 7 กันยายน 2566",
        numeric_date="07/09/2566",
        paragraphs=("ประชาชนสามารถแสดงความคิดเห็นต่อร่างกฎหมายได้จนถึงวันที่ 30 กันยายน 2566",),
        layout="og_title",
    ),
    FixtureArticle(
        1010,
        title="ศูนย์ทดสอบเผยผลสำรวจความพึงพอใจบริการภาครัฐ",
        category_html="ข่าวทำเนียบรัฐบาล",
        long_date="วันเสาร์ที่ 1 กรกฎาคม 2566",
        numeric_date=None,
        paragraphs=("ผลสำรวจความพึงพอใจต่อบริการภาครัฐประจำไตรมาสแรกอยู่ในระดับดี",),
        layout="h1",
    ),
    FixtureArticle(
        1011,
        title="กรมทดสอบจัดอบรมการใช้งานระบบราชการดิจิทัล",
        category_html="ด้านเทคโนโลยี",
        long_date="วันอาทิตย์ที่ 18 มิถุนายน 2566",
        numeric_date="18/06/2566",
        print_link=True,
        paragraphs=(
            "กรมทดสอบจัดอบรมเจ้าหน้าที่ในการใช้งานระบบราชการดิจิทัลรุ่นที่ 1",
            "ผู้เข้ารับการอบรมจะได้รับประกาศนียบัตรหลังจบหลักสูตร",
        ),
        layout="largest_block",
    ),
    FixtureArticle(
        1013,
        title="Cabinet Meeting Synopsis: measures to support small businesses",
        category_html="Cabinet Meeting Synopsis",
        long_date="วันอังคารที่ 9 มกราคม 2567",
        numeric_date=None,
        print_link=True,
        paragraphs=(
            "The Cabinet approved a package of measures to support small businesses "
            "affected by higher energy costs.",
            "The measures take effect on 1 February 2024.",
        ),
        lang="en",
    ),
    FixtureArticle(
        1014,
        title="กระทรวงทดสอบรายงานความคืบหน้าโครงการถนนชนบท",
        category_html="ด้านเศรษฐกิจ",
        long_date="วันศุกร์ที่ 3 มีนาคม 2566",
        numeric_date="03/03/2566",
        paragraphs=(
            "โครงการถนนชนบทระยะที่สองดำเนินการแล้วเสร็จร้อยละ 80",
            "ระยะที่สามจะเริ่มก่อสร้างในเดือนเมษายน",
            "คาดว่าโครงการทั้งหมดจะแล้วเสร็จภายในสิ้นปีงบประมาณ",
        ),
        # Cut inside the second paragraph: lxml recovers the partial page, and we keep it.
        truncate_after="ระยะที่สามจะเริ่ม",
        expected_body="โครงการถนนชนบทระยะที่สองดำเนินการแล้วเสร็จร้อยละ 80\nระยะที่สามจะเริ่ม",
    ),
    FixtureArticle(
        1018,
        title="จังหวัดทดสอบจัดงานเทศกาลผลไม้ประจำปี",
        category_html="ด้านสังคม",
        long_date="วันพฤหัสบดีที่ 25 พฤษภาคม 2566",
        numeric_date="25/05/2566",
        print_link=True,
        title_repeats=2,
        paragraphs=(
            "จังหวัดทดสอบเชิญชวนประชาชนร่วมงานเทศกาลผลไม้ประจำปีระหว่างวันที่ 25 - 31 พฤษภาคม",
            "ภายในงานมีการจำหน่ายผลไม้ตามฤดูกาลจากเกษตรกรในพื้นที่",
        ),
        hashtags=("#ผลไม้ไทย",),
        charset="windows-874",
    ),
    FixtureArticle(
        1019,
        title="สำนักงานทดสอบแจ้งปิดปรับปรุงระบบชั่วคราว",
        category_html="ข่าวทำเนียบรัฐบาล",
        long_date="วันจันทร์ที่ 6 พฤศจิกายน 2566",
        numeric_date="06/11/2566",
        paragraphs=("ระบบบริการออนไลน์จะปิดปรับปรุงในวันที่ 11 พฤศจิกายน 2566 เวลา 22.00 น.",),
    ),
    FixtureArticle(
        1021,
        title="รัฐบาลทดสอบประกาศผลการจัดสรรทุนการศึกษา",
        category_html="ด้านการศึกษา",
        long_date="วันพุธที่ 10 เมษายน 2567",
        numeric_date="10/04/2567",
        print_link=True,
        paragraphs=("ประกาศรายชื่อผู้ได้รับทุนการศึกษาประจำปี 2567 จำนวน 120 ทุน",),
        images=("https://cdn.example.org/thaigov-test/1021.png",),
    ),
    FixtureArticle(
        1024,
        title="นายกรัฐมนตรีมอบนโยบายการท่องเที่ยวเมืองรอง",
        category_html="ด้านเศรษฐกิจ",
        long_date="วันศุกร์ที่ 12 มกราคม 2567",
        numeric_date="12/01/2567",
        print_link=True,
        title_repeats=3,
        paragraphs=(
            "นายกรัฐมนตรีมอบนโยบายส่งเสริมการท่องเที่ยวเมืองรองตลอดปี 2567",
            "ให้หน่วยงานที่เกี่ยวข้องรายงานผลทุก 3 เดือน",
        ),
        hashtags=("#ไทยคู่ฟ้า", "#เที่ยวเมืองรอง"),
        credit="ข้อมูล : สำนักงานทดสอบการท่องเที่ยว",
        images=("/FileUpload/Pictures/2567/01/test-1024.jpg",),
    ),
)

ARTICLES_BY_ID: dict[int, FixtureArticle] = {a.article_id: a for a in ARTICLES}
ARTICLE_IDS: frozenset[int] = frozenset(ARTICLES_BY_ID)

SOFT_404_IDS: frozenset[int] = frozenset({1004, 1017, 1022, 1023})
HTTP_404_IDS: frozenset[int] = frozenset({1006, 1020})
NO_ARTICLE_BLOCK_ID = 1009
OFFSITE_REDIRECT_ID = 1012
TRUNCATED_HTML_ID = 1014  # still extractable: see FixtureArticle.truncate_after
HUGE_PAGE_ID = 1015
NON_HTML_ID = 1016
NON_UTF8_ID = 1018
RETRY_503_ID = 1019  # 503 on the first request, 200 afterwards
RETRY_AFTER_429_ID = 1021  # 429 with Retry-After: 1 on the first request, 200 afterwards

FIRST_ID = 1001
LAST_FIXTURE_ID = 1024
#: Ids inside the fixture range that are not articles, by the stats reason they must produce.
NON_ARTICLE_REASONS: dict[int, str] = {
    **dict.fromkeys(SOFT_404_IDS, "soft_404"),
    **dict.fromkeys(HTTP_404_IDS, "http_404"),
    NO_ARTICLE_BLOCK_ID: "no_article_block",
    OFFSITE_REDIRECT_ID: "offsite_redirect",
    HUGE_PAGE_ID: "too_large",
    NON_HTML_ID: "non_html",
}

#: Listing pages: /news/contents/listing/<LISTING_ID>?page=k links to these ids (k from 1).
LISTING_ID = 7
LISTING_PAGES: tuple[tuple[int, ...], ...] = (
    (1001, 1002, 1003),
    (1005, 1007, 1004),
    (1010, 1024),
)
LISTING_ARTICLE_IDS: frozenset[int] = frozenset(
    i for page in LISTING_PAGES for i in page if i in ARTICLE_IDS
)

ALLOW_ALL_ROBOTS = "User-agent: *\nAllow: /\n"
DISALLOW_ALL_ROBOTS = "User-agent: *\nDisallow: /\n"


def synthetic_article(article_id: int) -> FixtureArticle:
    """A generated article for ids after the fixtures (benchmarks, incremental runs)."""
    day = article_id % 28 + 1
    numeric = f"{day:02d}/03/2567" if article_id % 2 else None
    paragraphs = tuple(
        f"ย่อหน้าที่ {n} ของข่าวทดสอบหมายเลข {article_id} รายงานความคืบหน้าของโครงการ"
        f"พัฒนาพื้นที่และการให้บริการประชาชนในส่วนภูมิภาค ครั้งที่ {n}"
        for n in range(1, 7)
    )
    return FixtureArticle(
        article_id,
        title=f"ข่าวทดสอบหมายเลข {article_id} การประชุมติดตามโครงการพัฒนาพื้นที่",
        category_html="ข่าวทำเนียบรัฐบาล\t",
        long_date=f"วันศุกร์ที่ {day} มีนาคม 2567",
        numeric_date=numeric,
        print_link=bool(article_id % 3),
        title_repeats=article_id % 3 + 1,
        paragraphs=paragraphs,
        hashtags=("#ไทยคู่ฟ้า",),
        credit="ข้อมูล : ระบบทดสอบ",
        images=(f"/FileUpload/Pictures/2567/03/synthetic-{article_id}.jpg",),
    )


# --- Archive-grade capture (issue 14): articles with attachments and images ------------------
#: Attachments and images on the site (``/FileUpload/...``) and on its media host
#: (``https://media.thaigov.go.th/uploads/...``, served by the replica under any host name).
MEDIA_ORIGIN = "https://media.thaigov.go.th"
PRIVATE_FILES_PREFIX = "/uploads/private/"
CAPTURE_ROBOTS = f"User-agent: *\nDisallow: {PRIVATE_FILES_PREFIX}\n"
HUGE_FILE_BYTES = 100_000
FILE_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
}
_MAGIC = {
    "pdf": b"%PDF-1.4\n",
    "docx": b"PK\x03\x04",
    "xlsx": b"PK\x03\x04",
    "jpg": b"\xff\xd8\xff\xe0",
    "png": b"\x89PNG\r\n\x1a\n",
}


def file_response(path: str) -> tuple[bytes, str] | None:
    """(bytes, content type) the replica serves for a file path, or None (404).

    Deterministic, so tests compare downloaded files with these bytes. ``-copy`` in a name
    gives the bytes of the name without it (same content at two URLs); ``huge`` in a name gives
    a file of ``HUGE_FILE_BYTES``.
    """
    if not path.startswith(("/FileUpload/", "/uploads/")) or "." not in path:
        return None
    extension = path.rsplit(".", 1)[1].lower()
    if extension not in FILE_TYPES:
        return None
    source = path.replace("-copy.", ".")
    seed = source.encode()
    size = HUGE_FILE_BYTES if "huge" in path else 2_000 + len(seed) * 7
    filler = (seed * (size // len(seed) + 1))[:size]
    return _MAGIC[extension] + b"replica file " + seed + b"\n" + filler, FILE_TYPES[extension]


CAPTURE_ARTICLES: tuple[FixtureArticle, ...] = (
    FixtureArticle(
        3001,
        title="ครม. ทดสอบอนุมัติมาตรการดูแลค่าครองชีพพร้อมเอกสารประกอบ",
        category_html="ข่าวทำเนียบรัฐบาล",
        long_date="วันอังคารที่ 17 ธันวาคม 2567",
        numeric_date="17/12/2567",
        print_link=True,
        paragraphs=(
            "ที่ประชุมคณะรัฐมนตรีทดสอบอนุมัติมาตรการดูแลค่าครองชีพระยะที่ 2",
            "รายละเอียดตามเอกสารแนบท้ายข่าวนี้",
        ),
        images=(
            "/FileUpload/Pictures/2567/12/photo-3001.jpg",
            f"{MEDIA_ORIGIN}/uploads/2567/12/photo-3001.png",
        ),
        attachments=(
            f"{MEDIA_ORIGIN}/uploads/2567/12/cabinet-3001.pdf",
            "/FileUpload/Attach/2567/12/briefing-3001.docx",
        ),
    ),
    FixtureArticle(
        3002,
        title="โฆษกทดสอบแถลงผลการประชุมพร้อมภาพประกอบ",
        category_html="ข่าวคณะโฆษก",
        long_date="วันพุธที่ 18 ธันวาคม 2567",
        numeric_date=None,
        paragraphs=("โฆษกทดสอบแถลงผลการประชุมและเผยแพร่ภาพกิจกรรม",),
        images=(
            "/FileUpload/Pictures/2567/12/photo-3001-copy.jpg",
            "https://cdn.example.org/thaigov-test/3002.png",
        ),
        attachments=(
            f"{MEDIA_ORIGIN}{PRIVATE_FILES_PREFIX}secret-3002.pdf",
            f"{MEDIA_ORIGIN}/uploads/2567/12/huge-3002.pdf",
        ),
    ),
    FixtureArticle(
        3003,
        title="รัฐบาลทดสอบเชิญชวนร่วมกิจกรรมวันขึ้นปีใหม่",
        category_html="ด้านสังคม",
        long_date="วันศุกร์ที่ 27 ธันวาคม 2567",
        numeric_date="27/12/2567",
        print_link=True,
        title_repeats=2,
        paragraphs=("ขอเชิญประชาชนร่วมกิจกรรมวันขึ้นปีใหม่ที่ทำเนียบรัฐบาลทดสอบ",),
        hashtags=("#ไทยคู่ฟ้า",),
    ),
)
CAPTURE_ARTICLES_BY_ID: dict[int, FixtureArticle] = {a.article_id: a for a in CAPTURE_ARTICLES}

"""The web UI's pure pieces: timeline SVG, snippet highlighting, version diffs, URL params."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from search.core.query import QueryError, SearchQuery
from search.web.diffs import (
    Segment,
    paragraph_changes,
    unified_diff_text,
    version_diff,
    word_diff,
)
from search.web.forms import SearchParams
from search.web.snippets import highlight_html, plain_text
from search.web.thai_format import thai_datetime, thai_long_date, thai_short_date
from search.web.timeline import fill_months, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"


def child(element: ET.Element, path: str) -> ET.Element:
    """The first match of ``path``; the test fails here when there is none."""
    found = element.find(path)
    assert found is not None, path
    return found


def text_of(element: ET.Element, path: str) -> str:
    return child(element, path).text or ""


def test_fill_months_spans_gaps_and_year_ends() -> None:
    months = fill_months([("2023-11", 2), ("2024-02", 5), ("2023-11", 1)])
    assert [(m.month, m.count) for m in months] == [
        ("2023-11", 3),
        ("2023-12", 0),
        ("2024-01", 0),
        ("2024-02", 5),
    ]
    assert months[0].thai_label() == "พ.ย. 2566"


@pytest.mark.parametrize("bad", ["2024-13", "24-01", "2024/01", "abcd-ef"])
def test_fill_months_rejects_malformed_months(bad: str) -> None:
    with pytest.raises(ValueError):
        fill_months([(bad, 1)])


def test_timeline_svg_is_accessible_well_formed_and_proportional() -> None:
    svg = timeline_svg(
        [("2024-01", 10), ("2024-03", 5)],
        title="ข้าว <script>",
        bar_href=lambda m: f"/?q=x&from={m}",
    )
    root = ET.fromstring(str(svg))  # well-formed XML, so the title text was escaped
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "tl-title tl-desc"
    assert text_of(root, f"{SVG}title") == "ข้าว <script>"
    assert "15 ข่าว" in text_of(root, f"{SVG}desc")
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-month") for g in groups] == ["2024-01", "2024-02", "2024-03"]
    heights = [float(child(g, f".//{SVG}rect").get("height", "nan")) for g in groups]
    assert heights[1] == 0
    assert heights[0] == pytest.approx(2 * heights[2], rel=0.02)
    # Bars with matches link to their month; the empty month is not a link.
    links = [g.find(f"{SVG}a") for g in groups]
    assert child(groups[0], f"{SVG}a").get("href") == "/?q=x&from=2024-01"
    assert links[1] is None
    bar_titles = [text_of(g, f".//{SVG}title") for g in groups]
    assert bar_titles[0] == "ม.ค. 2567 (2024-01): 10 ข่าว"
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert "ม.ค." in labels and "2567" in labels
    assert [t.text for t in root.findall(f"{SVG}text[@class='count']")] == ["10", "5"]


def test_timeline_svg_without_matches_says_so() -> None:
    root = ET.fromstring(str(timeline_svg([])))
    assert "ไม่มีข่าว" in text_of(root, f"{SVG}desc")
    assert root.findall(f"{SVG}g") == []


def test_highlight_escapes_before_marking() -> None:
    html = highlight_html('<script>alert("x")</script> ราคา\x02ยาง\x03 & <b>ดี</b>')
    assert str(html) == (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; ราคา<mark>ยาง</mark> "
        "&amp; &lt;b&gt;ดี&lt;/b&gt;"
    )


def test_highlight_repairs_unbalanced_marks() -> None:
    assert str(highlight_html("a\x03b\x02c")) == "ab<mark>c</mark>"
    assert str(highlight_html(None)) == ""
    assert plain_text("ราคา\x02ยาง\x03") == "ราคายาง"


def test_version_diff_marks_changed_lines_only() -> None:
    lines = version_diff("หัวข้อเดิม", "ย่อหน้าหนึ่ง\nย่อหน้าสอง", "หัวข้อใหม่", "ย่อหน้าหนึ่ง\nย่อหน้าสาม")
    kinds = {(line.kind, line.text) for line in lines}
    assert ("removed", "หัวข้อเดิม") in kinds and ("added", "หัวข้อใหม่") in kinds
    assert ("removed", "ย่อหน้าสอง") in kinds and ("added", "ย่อหน้าสาม") in kinds
    assert ("context", "ย่อหน้าหนึ่ง") in kinds
    text = unified_diff_text(lines)
    assert "-ย่อหน้าสอง" in text and "+ย่อหน้าสาม" in text
    assert version_diff("a", "b", "a", "b") == []


def test_thai_dates_use_buddhist_era() -> None:
    assert thai_long_date("2024-12-13") == "วันศุกร์ที่ 13 ธันวาคม 2567"
    assert thai_short_date(dt.date(2020, 9, 17)) == "17 ก.ย. 2563"
    assert thai_long_date(None) == "" and thai_long_date("not a date") == ""
    assert thai_datetime("2024-01-25T16:30:00+07:00") == "25 ม.ค. 2567 09:30 UTC"
    assert thai_datetime("later") == "later" and thai_datetime(None) == ""


def test_build_query_accepts_be_and_ce_dates() -> None:
    query = SearchQuery.build("ข้าว", date_from="2567", date_to="2024-03", categories=[" ด้านสังคม "])
    assert query.date_from == dt.date(2024, 1, 1)
    assert query.date_to == dt.date(2024, 3, 31)
    assert query.categories == ("ด้านสังคม",)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"date_from": "yesterday-ish"}, "from"),
        ({"date_from": "2024-02-30"}, "from"),
        ({"date_from": "2024-05-01", "date_to": "2024-04-01"}, "to"),
        ({"sort": "random"}, "sort"),
        ({"lang": "fr"}, "lang"),
        ({"limit": 0}, "limit"),
        ({"offset": 10_000}, "offset"),
    ],
)
def test_build_query_names_the_bad_field(kwargs: dict, field: str) -> None:
    with pytest.raises(QueryError) as info:
        SearchQuery.build("x", **kwargs)
    assert info.value.param == field


def test_search_params_links_keep_the_search_and_toggle_categories() -> None:
    params = SearchParams(q="ราคา ยาง", date_from="2567", categories=("ด้านเศรษฐกิจ",), page="3")
    assert params.url_params(page=4) == (
        "q=%E0%B8%A3%E0%B8%B2%E0%B8%84%E0%B8%B2+%E0%B8%A2%E0%B8%B2%E0%B8%87&from=2567"
        "&category=%E0%B8%94%E0%B9%89%E0%B8%B2%E0%B8%99%E0%B9%80%E0%B8%A8%E0%B8%A3%E0%B8%A9"
        "%E0%B8%90%E0%B8%81%E0%B8%B4%E0%B8%88&page=4"
    )
    removed = params.toggle_category("ด้านเศรษฐกิจ")
    assert "category=" not in removed and "page=" not in removed
    added = params.toggle_category("ด้านสังคม")
    assert added.count("category=") == 2
    with pytest.raises(QueryError):
        SearchParams(q="x", page="0").to_query()


def test_word_diff_marks_only_the_changed_thai_words() -> None:
    segments = word_diff("รัฐบาลอนุมัติงบประมาณเพื่อชาวนา", "รัฐบาลอนุมัติงบประมาณเพิ่มเพื่อชาวสวน")
    assert "".join(s.text for s in segments if s.kind != "deleted") == (
        "รัฐบาลอนุมัติงบประมาณเพิ่มเพื่อชาวสวน"
    )
    assert "".join(s.text for s in segments if s.kind != "inserted") == (
        "รัฐบาลอนุมัติงบประมาณเพื่อชาวนา"
    )
    assert segments[0] == Segment("same", "รัฐบาลอนุมัติงบประมาณ")
    assert Segment("inserted", "เพิ่ม") in segments
    # Whole words change, never a fragment of a syllable.
    assert all(s.text in ("ชาวนา", "นา", "ชาวสวน", "สวน") for s in segments if s.kind == "deleted")


def test_paragraph_changes_classify_each_paragraph() -> None:
    changes = paragraph_changes("หัวข้อ", "ย่อหน้าหนึ่ง\nย่อหน้าสอง", "หัวข้อ", "ย่อหน้าหนึ่ง\nย่อหน้าสาม\nใหม่")
    assert [c.kind for c in changes] == ["same", "same", "changed", "added"]
    assert changes[-1].segments == (Segment("inserted", "ใหม่"),)
    removed = paragraph_changes("ก", "หนึ่ง\nสอง", "ก", "หนึ่ง")
    assert [c.kind for c in removed] == ["same", "same", "removed"]


def test_web_export_and_their_dependencies_never_import_scrapy() -> None:
    """search/ stays Scrapy-free, including what the web app and exports pull in at run time."""
    code = (
        "import sys\n"
        "import search.cli, search.cli.web, search.services.export, search.web\n"
        "from pipelines.archive.store import ArchiveStore\n"
        "from pipelines.core.corpus_format import render_corpus_file, iter_corpus_records\n"
        "from search.web.services import Services\n"
        "from search.web.diffs import paragraph_changes\n"
        "paragraph_changes('a', 'b', 'a', 'c')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('scrapy', 'twisted')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"

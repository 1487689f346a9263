"""The thaigov-v2-corpus text format: parsing, problems, streaming a tarball, writing it back."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.core.article import Article
from pipelines.core.corpus_format import (
    CorpusRecord,
    iter_corpus_records,
    iter_corpus_records_in_background,
    parse_corpus_bytes,
    parse_corpus_text,
    parse_file_name,
    render_corpus_file,
)
from pipelines.core.text_cleaning import clean_line
from pipelines.core.text_rules import detect_lang, find_hashtags

# Fixture articles written for these tests (not corpus text), in the corpus layout.
THAI_TITLE = "นายกรัฐมนตรีเปิดงานสัปดาห์หนังสือแห่งชาติ ครั้งที่ 1"
THAI_FILE = (
    f"รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-\u200b{THAI_TITLE}\n"
    "\n"
    "\n"
    "วันศุกร์ที่ 13 ธันวาคม 2567\n"
    "13/12/2567\n"
    "พิมพ์\n"
    f"\u200b{THAI_TITLE}\n"
    "\u200b\n"
    f"{THAI_TITLE}\n"
    "วันนี้ (13 ธันวาคม 2567) เวลา 10.00 น. ณ ทำเนียบรัฐบาล นายกรัฐมนตรีเปิดงาน\n"
    "ผู้เข้าร่วมงานกว่า 500 คน  ร่วมกิจกรรมอ่านหนังสือ\t\n"
    "#ไทยคู่ฟ้า #สื่อสารรัฐบาลไทย, #ไทยคู่ฟ้า\n"
    "ที่มา : สำนักโฆษก\n"
    "\n"
    "ที่มา : https://www.thaigov.go.th/news/contents/details/90001"
)
ENGLISH_TITLE = "Prime Minister opens the National Book Week"
ENGLISH_FILE = (
    f"รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-{ENGLISH_TITLE}\n"
    "\n"
    "\n"
    "วันพุธที่ 11 ธันวาคม 2567\n"
    f"{ENGLISH_TITLE}\n"
    "On 11 December 2024, the Prime Minister opened the National Book Week at Government "
    "House, saying reading builds the country.\n"
    "Visitors can borrow books for free until Sunday.\n"
    "\n"
    "ที่มา : https://www.thaigov.go.th/news/contents/details/90002"
)
SOFT_404_FILE = (
    "รัฐบาลไทย-\n\n\nวันพฤหัสบดีที่ 1 มกราคม 2513\n\n"
    "ที่มา : https://www.thaigov.go.th/news/contents/details/90003"
)
NO_SOURCE_FILE = f"รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-{THAI_TITLE}\n\n\nวันศุกร์ที่ 13 ธันวาคม 2567\nข้อความ\n"


def test_thai_article_fields() -> None:
    record = parse_corpus_text(
        "data/2024/12/14/ด้านสังคม \t_7_0a1b2c3d-aaaa-bbbb-cccc-0123456789ab.txt", THAI_FILE
    )
    assert record.problem is None
    assert isinstance(record.article, Article)
    article = record.article.as_dict()
    assert article["article_id"] == 90001
    assert article["url"] == "https://www.thaigov.go.th/news/contents/details/90001"
    assert article["title"] == THAI_TITLE  # prefix and U+200B gone
    assert article["category"] == "ด้านสังคม"  # stray tab and spaces gone
    assert article["category_original"] == "ด้านสังคม"
    assert article["published_date_text"] == "วันศุกร์ที่ 13 ธันวาคม 2567"
    assert article["published_date_numeric_text"] == "13/12/2567"
    assert article["fetched_at"] == "2024-12-14T00:00:00+00:00"
    assert article["source"] == "corpus"
    assert article["lang"] == "th"
    assert article["images"] == [] and article["attachments"] == []
    # Print link, the three title repeats and the zero-width line are not body text; a credit
    # line that merely starts like the source line stays.
    assert article["body"].split("\n") == [
        "วันนี้ (13 ธันวาคม 2567) เวลา 10.00 น. ณ ทำเนียบรัฐบาล นายกรัฐมนตรีเปิดงาน",
        "ผู้เข้าร่วมงานกว่า 500 คน ร่วมกิจกรรมอ่านหนังสือ",
        "#ไทยคู่ฟ้า #สื่อสารรัฐบาลไทย, #ไทยคู่ฟ้า",
        "ที่มา : สำนักโฆษก",
    ]
    assert article["hashtags"] == ["#ไทยคู่ฟ้า", "#สื่อสารรัฐบาลไทย"]


def test_english_article_keeps_thai_date_and_is_english() -> None:
    record = parse_corpus_text("2024/12/11/Government News_1.txt", ENGLISH_FILE)
    assert record.article is not None
    article = record.article.as_dict()
    assert article["lang"] == "en"
    assert article["category"] == "Government News"
    assert article["published_date_text"] == "วันพุธที่ 11 ธันวาคม 2567"
    assert article["published_date_numeric_text"] is None
    assert article["body"].startswith("On 11 December 2024")
    assert article["hashtags"] == []


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty file"),
        ("  \n\n", "empty file"),
        (NO_SOURCE_FILE, "no source URL"),
        (SOFT_404_FILE, "empty article 90003 (no title, no body)"),
    ],
)
def test_unusable_files_become_problems(text: str, problem: str) -> None:
    record = parse_corpus_text("2024/01/01/x_1.txt", text)
    assert record == CorpusRecord("2024/01/01/x_1.txt", None, problem)


def test_bytes_that_are_not_utf8_are_a_problem() -> None:
    record = parse_corpus_bytes("a_1.txt", "ข่าว".encode("tis-620"))
    assert record.article is None
    assert record.problem is not None and record.problem.startswith("not UTF-8")


def test_short_title_prefix_and_source_line_only_counts_when_it_is_a_detail_url() -> None:
    text = (
        "รัฐบาลไทย-หัวข้อสั้น\n\n\nวันจันทร์ที่ 2 มกราคม 2566\nเนื้อความ\n\n"
        "ที่มา : https://www.thaigov.go.th/news/contents/ministry_details/5"
    )
    assert parse_corpus_text("a_1.txt", text).problem == "no source URL"
    fixed = text.replace("ministry_details/5", "details/5")
    article = parse_corpus_text("a_1.txt", fixed).article
    assert article is not None
    assert (article.title, article.body, article.article_id) == ("หัวข้อสั้น", "เนื้อความ", 5)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("data/2021/03/04/ข่าวคณะโฆษก_12.txt", ("ข่าวคณะโฆษก", "2021-03-04T00:00:00+00:00")),
        (
            "2023/11/16/สรุปข่าวการประชุม ครม_1_70e32950-3725-445a-a9ca-fb798836079e.txt",
            ("สรุปข่าวการประชุม ครม", "2023-11-16T00:00:00+00:00"),
        ),
        ("ด้าน_กฎหมาย_3.txt", ("ด้าน_กฎหมาย", None)),
        ("2020/10/05/_1.txt", (None, "2020-10-05T00:00:00+00:00")),
    ],
)
def test_file_names(name: str, expected: tuple[str | None, str | None]) -> None:
    assert parse_file_name(name) == expected


def test_language_by_share_of_thai_letters() -> None:
    assert detect_lang("ข่าวรัฐบาล Thailand 4.0") == "th"
    assert detect_lang("Cabinet approves the budget for กรุงเทพฯ projects") == "en"
    assert detect_lang("2567 12 13") == "th"  # no letters at all: the site's default


def test_hashtags_need_a_word_boundary() -> None:
    text = "ดูที่ https://example.org/page#anchor และ #วันดินโลก. #SDGsforAll #"
    assert find_hashtags(text) == ["#วันดินโลก", "#SDGsforAll"]


def write_corpus(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_tarball(path: Path, files: dict[str, str]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


SMALL_CORPUS = {
    "data/2024/12/14/ด้านสังคม_1.txt": THAI_FILE,
    "data/2024/12/11/Government News_1.txt": ENGLISH_FILE,
    "data/2024/12/11/_1.txt": SOFT_404_FILE,
}


def test_directory_and_tarball_give_the_same_records(tmp_path: Path) -> None:
    write_corpus(tmp_path / "dir", SMALL_CORPUS)
    write_tarball(tmp_path / "corpus.tar.gz", SMALL_CORPUS)
    from_dir = sorted(iter_corpus_records(tmp_path / "dir"), key=lambda r: r.name)
    from_tar = sorted(iter_corpus_records(tmp_path / "corpus.tar.gz"), key=lambda r: r.name)
    assert [r.name for r in from_dir] == sorted(SMALL_CORPUS)
    assert from_dir == from_tar
    assert [r.problem is None for r in from_dir] == [True, False, True]


def test_missing_corpus_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        list(iter_corpus_records(tmp_path / "nothing-here"))


def test_render_then_parse_gives_the_same_article() -> None:
    article = parse_corpus_text("data/2024/12/14/ด้านสังคม_1.txt", THAI_FILE).article
    assert article is not None
    relative, text = render_corpus_file(article)
    assert relative == "data/2024/12/14/ด้านสังคม_90001.txt"
    assert text.startswith(f"รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-{THAI_TITLE}\n\n\n")
    assert text.endswith("\n\nที่มา : https://www.thaigov.go.th/news/contents/details/90001")
    assert parse_corpus_text(relative, text).article == article


def test_render_of_a_crawled_article_without_category() -> None:
    crawled = {
        "article_id": 77,
        "title": "Title",
        "category": None,
        "published_date_text": None,
        "published_date_numeric_text": "01/02/2567",
        "body": "Body line one\nBody line two",
        "fetched_at": "2024-02-01T08:30:00+00:00",
    }
    relative, text = render_corpus_file(crawled)
    assert relative == "data/2024/02/01/_77.txt"
    record = parse_corpus_text(relative, text).article
    assert record is not None
    parsed = record.as_dict()
    assert parsed["category"] is None
    assert parsed["published_date_text"] is None
    assert parsed["published_date_numeric_text"] == "01/02/2567"
    assert parsed["body"] == "Body line one\nBody line two"
    assert parsed["fetched_at"] == "2024-02-01T00:00:00+00:00"  # the format keeps the day only


_words = (
    st.text(alphabet="กขคงจฉชซญดตถทนบปผพฟมยรลวสหอะาิีึืุูเแโใไ่้๊๋็์ abcxyz0123456789", min_size=1, max_size=30)
    .map(clean_line)  # articles reach the format already cleaned (NFC, single spaces)
    .filter(bool)
)


@settings(max_examples=150, deadline=None)
@given(
    title=_words,
    body_lines=st.lists(_words, min_size=1, max_size=6),
    category=st.one_of(st.none(), _words),
    article_id=st.integers(min_value=1, max_value=10**7),
)
def test_render_parse_round_trip(
    title: str, body_lines: list[str], category: str | None, article_id: int
) -> None:
    body_lines = [line for line in body_lines if line != title] or ["เนื้อหา"]
    article = {
        "article_id": article_id,
        "title": title,
        "category": category,
        "published_date_text": "วันจันทร์ที่ 1 มกราคม 2567",
        "published_date_numeric_text": None,
        "body": "\n".join(body_lines),
        "fetched_at": "2024-01-02T00:00:00+00:00",
    }
    relative, text = render_corpus_file(article)
    record = parse_corpus_text(relative, text).article
    assert record is not None
    parsed = record.as_dict()
    for name in ("article_id", "title", "body", "published_date_text", "fetched_at"):
        assert parsed[name] == article[name]
    assert parsed["category"] == (category.replace("/", " ") if category else None)


def test_background_reader_gives_the_same_records_and_stops_early(tmp_path: Path) -> None:
    files = {f"data/2024/01/{day:02d}/ด้านสังคม_{day}.txt": THAI_FILE for day in range(1, 29)}
    files.update(SMALL_CORPUS)
    write_tarball(tmp_path / "corpus.tar.gz", files)
    inline = list(iter_corpus_records(tmp_path / "corpus.tar.gz"))
    background = list(iter_corpus_records_in_background(tmp_path / "corpus.tar.gz", batch_size=4))
    assert background == inline

    records = iter_corpus_records_in_background(tmp_path / "corpus.tar.gz", batch_size=2)
    assert next(records).name == inline[0].name
    records.close()  # e.g. --limit reached: the worker process is stopped, nothing hangs
    with pytest.raises(FileNotFoundError):
        next(iter_corpus_records_in_background(tmp_path / "missing.tar.gz"))

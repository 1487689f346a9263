"""search.core.safety: which links may be clickable, and CSV cells no spreadsheet runs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.core.safety import (
    FORMULA_TRIGGERS,
    is_safe_link,
    neutralise_formula,
    restore_formula,
)
from tests.replica.hostile_web import SCRIPT_IMAGES, SCRIPT_LINKS


@pytest.mark.parametrize(
    "url",
    [
        "https://www.thaigov.go.th/news/contents/details/2101",
        "http://www.thaigov.go.th/FileUpload/Attach/2567/12/a.pdf",
        "HTTPS://WWW.THAIGOV.GO.TH/x.pdf",
        "  https://www.thaigov.go.th/x.pdf\n",  # a browser strips the spaces too
        "https://[2001:db8::1]/x.pdf",
        "https://www.thaigov.go.th/ไฟล์/ประกาศ.pdf",
    ],
)
def test_http_and_https_urls_with_a_host_are_links(url: str) -> None:
    assert is_safe_link(url)


@pytest.mark.parametrize(
    "url",
    [
        *SCRIPT_LINKS,
        *SCRIPT_IMAGES,
        "javascript:alert(1)",
        " \x01javascript:alert(1)",  # leading C0 controls: a browser strips them
        "jav\nascript:alert(1)",  # newlines inside a scheme: a browser removes them
        "data:image/svg+xml,<svg onload=alert(1)>",
        "file:///etc/passwd",
        "ftp://example.org/x.pdf",
        "mailto:someone@example.org",
        "//evil.example/x.pdf",  # scheme-relative: would take the archive's scheme
        "/FileUpload/x.pdf",  # relative: would point into the archive, not the site
        "x.pdf",
        "http:x.pdf",  # no host
        "https://",
        "http:\\\\evil.example\\x.pdf",  # browsers read "\" as "/": refused, not guessed
        "https://[::1",  # unparseable
        "",
        None,
    ],
)
def test_every_other_reference_is_text(url: str | None) -> None:
    assert not is_safe_link(url)


@given(st.text())
def test_a_safe_link_always_starts_with_http_or_https_once_cleaned(url: str) -> None:
    if is_safe_link(url):
        cleaned = "".join(c for c in url.strip("".join(map(chr, range(33)))) if c not in "\t\n\r")
        assert cleaned.lower().startswith(("http://", "https://"))


@given(st.sampled_from(["javascript", "data", "vbscript", "file"]), st.text())
def test_script_schemes_are_never_links_whatever_follows(scheme: str, rest: str) -> None:
    assert not is_safe_link(f"{scheme}:{rest}")
    assert not is_safe_link(f"{scheme.upper()}:{rest}")


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+66 2 283 4000", "'+66 2 283 4000"),
        ("-10%", "'-10%"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'quoted", "''quoted"),  # so that dropping one ' always restores the original
        ("ข่าว =1+1", "ข่าว =1+1"),
        ("2024-01-10", "2024-01-10"),
        ("", ""),
    ],
)
def test_formula_cells_get_a_text_prefix(cell: str, written: str) -> None:
    assert neutralise_formula(cell) == written
    assert restore_formula(written) == cell


@given(st.text())
def test_neutralised_cells_never_start_a_formula_and_restore_exactly(cell: str) -> None:
    written = neutralise_formula(cell)
    assert not written.startswith(FORMULA_TRIGGERS)
    assert restore_formula(written) == cell

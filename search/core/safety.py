"""Untrusted article text made safe for where it is shown: a web link, a spreadsheet cell.

The archive stores what other people's servers sent. Two places would otherwise act on that
text instead of showing it: a browser following a link (``javascript:``, ``data:``,
``vbscript:`` run script on the archive's origin) and a spreadsheet opening a CSV export (a cell
starting with ``=`` is a formula). Pure functions, tested directly (tests/test_safety.py).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: The only schemes rendered as clickable links.
SAFE_LINK_SCHEMES = frozenset({"http", "https"})

# What a browser ignores when it parses a URL (WHATWG URL standard): leading and trailing C0
# controls and spaces are stripped, ASCII tab and newlines anywhere are removed. "java\tscript:"
# is therefore "javascript:" to a browser, and must be to this check too.
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")

#: First characters that make a spreadsheet treat a cell as a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: The prefix that makes a spreadsheet show a cell as text (and hides the prefix itself).
TEXT_PREFIX = "'"


def is_safe_link(url: str | None) -> bool:
    """Whether ``url`` may be rendered as a link: an absolute http(s) URL with a host.

    Everything else (other schemes, relative or scheme-relative references, hostless
    ``http:x``, text that is not a URL) is shown as plain text instead. The check reads the URL
    the way a browser does, so control characters cannot disguise a scheme.
    """
    if not url:
        return False
    cleaned = _TAB_OR_NEWLINE.sub("", url.strip(_C0_OR_SPACE))
    if "\\" in cleaned:
        # Browsers read "\" as "/" in http(s) URLs; Python's parser does not. Refuse rather
        # than guess which host a browser would pick.
        return False
    try:
        parts = urlsplit(cleaned)
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    return parts.scheme.lower() in SAFE_LINK_SCHEMES and bool(parts.hostname)


def neutralise_formula(cell: str) -> str:
    """A CSV cell a spreadsheet shows as the text it is, never runs as a formula.

    Cells starting with a formula trigger get a leading ``'`` (OWASP's rule). Cells already
    starting with ``'`` get one too, so the rule is reversible: dropping one leading ``'``
    (:func:`restore_formula`) always gives back the original text, and a spreadsheet, which
    hides one leading ``'``, displays the original text as well.
    """
    if cell.startswith((*FORMULA_TRIGGERS, TEXT_PREFIX)):
        return TEXT_PREFIX + cell
    return cell


def restore_formula(cell: str) -> str:
    """The original text of a cell written by :func:`neutralise_formula`."""
    return cell[len(TEXT_PREFIX) :] if cell.startswith(TEXT_PREFIX) else cell

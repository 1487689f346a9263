"""Archive-grade capture rules: which file URLs we fetch, from where, and where bytes are kept.

Pure (no Scrapy, no I/O) so the crawl, the archive and the web app share one rule and tests
check it directly. See docs/capture.md.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from http import HTTPStatus
from urllib.parse import urlsplit, urlunsplit

#: Hosts of the site itself (article pages, /FileUpload/...).
SITE_HOSTS: frozenset[str] = frozenset({"www.thaigov.go.th", "thaigov.go.th"})
#: The site's media host, where many attachments (cabinet documents, briefings) live.
MEDIA_HOST = "media.thaigov.go.th"
MEDIA_ORIGIN = f"https://{MEDIA_HOST}"
#: The two kinds of file an article links to, by the article field that lists them.
FILE_KINDS: dict[str, str] = {"attachments": "attachment", "images": "image"}


def fetch_url(url: str, *, site_base_url: str, media_base_url: str) -> str | None:
    """Where to fetch the file an article cites as ``url``, or None when it is off-site.

    Articles cite canonical URLs (``https://www.thaigov.go.th/...``,
    ``https://media.thaigov.go.th/...``); a crawl may reach the site through another base URL
    (a mirror, or the local replica in tests), so the path and query move onto that base.
    Only the site's own hosts and its media host qualify: nothing else is fetched.
    """
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.hostname:
        return None
    host = split.hostname.lower()
    if host in SITE_HOSTS:
        base = site_base_url
    elif host == MEDIA_HOST:
        base = media_base_url
    else:
        return None
    target = urlsplit(base.rstrip("/"))
    return urlunsplit((target.scheme, target.netloc, target.path + split.path, split.query, ""))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_path(sha256: str) -> str:
    """Store path of a file by its SHA-256: ``sha256/ab/cd/abcd...`` (no extension).

    Content-addressed: the same bytes cited by two articles (or twice) are stored once, and the
    name itself says what the bytes must hash to, which is what ``thaigov db verify`` checks.
    """
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def file_name(url: str) -> str:
    """The last path segment of ``url`` (for Content-Disposition), ``file`` when empty."""
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    return name or "file"


def status_line(status: int) -> str:
    """``"200 OK"``: the reason phrase HTTP gives ``status`` (Scrapy keeps only the number)."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    return f"{status} {phrase}"


def warc_file_name(prefix: str, started: datetime, serial: int, pid: int) -> str:
    """``thaigov-20261130084000-00001-1234.warc.gz``: run start, serial within the run, process.

    Names sort by time and never collide between runs or between concurrent processes.
    """
    return f"{prefix}-{started.strftime('%Y%m%d%H%M%S')}-{serial:05d}-{pid}.warc.gz"

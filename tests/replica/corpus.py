"""The replica's fixture articles as thaigov-v2-corpus files, in the corpus's own layout.

The same ``FixtureArticle`` the replica serves as HTML (``pages.detail_page``) written as the
corpus writes an article (see ``pipelines/core/corpus_format.py``): prefixed title line, two
blank lines, date lines, print link, title repeats, paragraphs, hashtags, credit, source URL.
Written here from the fixture, not by the code under test, so parity tests compare two
independent renderings of one article.
"""

from __future__ import annotations

from tests.replica.fixtures import SITE_ORIGIN, FixtureArticle
from tests.replica.pages import TITLE_PREFIX


def corpus_file(article: FixtureArticle, collected: str = "2024/12/14") -> tuple[str, str]:
    """(name inside the corpus, text) of one fixture article; ``collected`` is YYYY/MM/DD."""
    a = article
    lines = [TITLE_PREFIX + a.title, "", "", a.long_date]
    if a.numeric_date:
        lines.append(a.numeric_date)
    if a.print_link:
        lines.append("พิมพ์")
    lines.extend([a.title] * a.title_repeats)
    lines.extend(a.paragraphs)
    if a.hashtags:
        lines.append(" ".join(a.hashtags))
    if a.credit:
        lines.append(a.credit)
    lines.extend(["", f"ที่มา : {SITE_ORIGIN}/news/contents/details/{a.article_id}"])
    category = " ".join(a.category_html.split())
    return f"data/{collected}/{category}_{a.article_id}.txt", "\n".join(lines)

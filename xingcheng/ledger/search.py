"""Chinese full-text search over the catalog, the same on SQLite and PostgreSQL.

The index is a table of terms: every Chinese character (unigram) and every pair of adjacent characters
(bigram) of a resource's name, abstract, tags, field labels, department and class, plus lower-cased Latin
words and numbers. A query is cut the same way — bigrams for runs of two or more Chinese characters, the
character itself for a single one — and a resource matches when it holds *every* query term, so "人口"
finds "常住人口基本信息" and a two-character query needs one index lookup. Relevance is the sum of the
weights of the matched terms; a term in the name weighs more than all other places together, so names
holding the whole query come first. No word segmenter (jieba) is needed: bigrams never miss a word, and
requiring all of them keeps the precision high.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

__all__ = ["WEIGHTS", "document_terms", "normalise", "query_terms"]

# Where a term occurs → how much it counts (once per place, however often it repeats there).
WEIGHTS: Final = {
    "name": 100,  # a name match outranks any mix of the others (they sum to at most 20)
    "tag": 6,
    "code": 6,
    "department": 3,
    "abstract": 2,
    "class": 2,
    "field": 1,
}
MAX_QUERY_TERMS: Final = 32
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def normalise(text: str) -> str:
    """NFKC (full-width letters, digits and brackets become plain ones) and lower case."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _text_terms(text: str) -> set[str]:
    out: set[str] = set()
    for token in _TOKEN.findall(normalise(text)):
        if _CJK_RUN.fullmatch(token):
            out.update(token)
            out.update(token[i : i + 2] for i in range(len(token) - 1))
        else:
            out.add(token[:32])
    return out


def document_terms(parts: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Index terms of a document given as (place, text) pairs, with their summed weights."""
    seen: dict[str, set[str]] = {}
    for place, text in parts:
        if text:
            seen.setdefault(place, set()).update(_text_terms(text))
    weights: dict[str, int] = {}
    for place, terms in seen.items():
        w = WEIGHTS[place]
        for term in terms:
            weights[term] = weights.get(term, 0) + w
    return weights


def query_terms(query: str) -> list[str]:
    """The terms a resource must all hold to match the query (in query order, without repeats)."""
    out: list[str] = []
    for token in _TOKEN.findall(normalise(query)):
        if _CJK_RUN.fullmatch(token):
            if len(token) == 1:
                out.append(token)
            else:
                out.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            out.append(token[:32])
    return list(dict.fromkeys(out))[:MAX_QUERY_TERMS]

"""The Solr subset CKAN clients send in q, fq and sort."""

from __future__ import annotations

import datetime as dt

import pytest

from xingcheng.ledger.publish.ckan_query import (
    Clause,
    QuerySyntaxError,
    parse_filters,
    parse_q,
    parse_sort,
    parse_timestamp,
)

NOW = dt.datetime(2026, 11, 21, 8, 30, tzinfo=dt.UTC)


def test_the_harvesters_range() -> None:
    [clause] = parse_filters("metadata_modified:[2026-11-01T00:00:00.123456Z TO *]")
    assert clause == Clause("metadata_modified", is_range=True, low="2026-11-01T00:00:00.123456Z", high=None)
    assert parse_timestamp(clause.low, NOW) == dt.datetime(2026, 11, 1, 0, 0, 0, 123456, tzinfo=dt.UTC)


def test_values_groups_quotes_negation_and_exclusive_ranges() -> None:
    clauses = parse_filters(
        '+organization:gaj AND -tags:"人口 信息" res_format:(CSV OR "XLSX") metadata_created:{* TO NOW-1DAY}'
    )
    assert clauses[0] == Clause("organization", values=("gaj",))
    assert clauses[1] == Clause("tags", values=("人口 信息",), negate=True)
    assert clauses[2] == Clause("res_format", values=("CSV", "XLSX"))
    assert clauses[3].is_range and clauses[3].low is None and not clauses[3].include_high
    assert parse_timestamp(clauses[3].high, NOW) == NOW - dt.timedelta(days=1)


def test_several_fq_strings_add_up() -> None:
    assert len(parse_filters("kind:data", "grade:general", "")) == 2


def test_q_splits_text_from_field_clauses() -> None:
    assert parse_q("人口 organization:gaj") == ("人口", [Clause("organization", values=("gaj",))])
    assert parse_q("*:*") == ("", [])
    assert parse_q("") == ("", [])


@pytest.mark.parametrize(
    ("fq", "key"),
    [
        ('tags:"unclosed', "publish.query.unclosed_quote"),
        ("metadata_modified:[2026 TO", "publish.query.bad_range"),
        ("metadata_modified:[2026 UNTIL *]", "publish.query.bad_range"),
        ("tags:(a OR", "publish.query.unclosed_group"),
        ("tags:(a AND b)", "publish.query.bad_group"),
        ("tags: x", "publish.query.missing_value"),
        ("just words", "publish.query.expected_field"),
        ("tags:a OR grade:core", "publish.query.unsupported_operator"),
    ],
)
def test_bad_syntax_says_why(fq: str, key: str) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_filters(fq)
    assert info.value.key == key


def test_sort() -> None:
    allowed = frozenset({"id", "metadata_modified", "score"})
    keys = parse_sort("metadata_modified desc, id asc", allowed)
    assert [(k.field, k.descending) for k in keys] == [("metadata_modified", True), ("id", False)]
    assert [(k.field, k.descending) for k in parse_sort("id", allowed)] == [("id", False)]
    for bad in ("name asc", "id sideways", "id asc extra"):
        with pytest.raises(QuerySyntaxError):
            parse_sort(bad, allowed)


def test_timestamps() -> None:
    assert parse_timestamp("NOW", NOW) == NOW
    assert parse_timestamp("NOW/DAY", NOW) == NOW.replace(hour=0, minute=0)
    assert parse_timestamp("2026-11-21T08:00:00", NOW).tzinfo == dt.UTC
    assert parse_timestamp("2026-11-21T16:00:00+08:00", NOW) == dt.datetime(2026, 11, 21, 8, tzinfo=dt.UTC)
    with pytest.raises(QuerySyntaxError):
        parse_timestamp("yesterday", NOW)

"""Chinese full-text search with facets and relevance, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from ledger_factories import field, register

from xingcheng.ledger import search as fts
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import ResourceQuery


def _names(database, **query) -> list[str]:
    with database.session() as db:
        return [r.name for r in ledger.search(db, ResourceQuery(**query)).items]


def _catalog(database, cast) -> None:
    plain = [field("mc", "名称")]
    register(database, cast.department_id, "常住人口基本信息", publish=True)
    register(database, cast.department_id, "流动人口登记信息", class_code="1-01-002", publish=True)
    register(
        database,
        cast.other_department_id,
        "人口出生信息统计",
        class_code="2-08-002",
        share_type="unconditional",
        open_type="unconditional",
        fields=plain,
        formats=["xlsx"],
        publish=True,
    )
    register(
        database,
        cast.other_department_id,
        "医疗机构执业登记",
        class_code="2-08-001",
        fields=plain,
        publish=True,
        share_type="unconditional",
        tags=["医疗"],
        abstract="医院、诊所的执业许可",
    )
    register(database, cast.department_id, "人口草稿资源")  # a draft: not in the catalog


def test_tokens_are_unigrams_and_bigrams() -> None:
    assert fts.query_terms("人口") == ["人口"]
    assert fts.query_terms("人") == ["人"]
    assert fts.query_terms("常住人口") == ["常住", "住人", "人口"]
    assert fts.query_terms("ＧＢ 11643 身份证") == ["gb", "11643", "身份", "份证"]
    terms = fts.document_terms([("name", "常住人口"), ("field", "人口")])
    assert terms["人口"] == fts.WEIGHTS["name"] + fts.WEIGHTS["field"] and terms["常"] == fts.WEIGHTS["name"]


def test_two_character_query_finds_longer_names_best_first(database, cast) -> None:
    _catalog(database, cast)
    names = _names(database, q="人口")
    assert set(names) == {"常住人口基本信息", "流动人口登记信息", "人口出生信息统计"}
    assert "人口草稿资源" not in names


def test_phrase_relevance_and_single_characters(database, cast) -> None:
    _catalog(database, cast)
    assert _names(database, q="常住人口")[0] == "常住人口基本信息"
    assert "医疗机构执业登记" in _names(database, q="医")
    assert _names(database, q="诊所") == ["医疗机构执业登记"]  # from the abstract
    assert _names(database, q="公民身份号码")  # field labels are searched too
    assert _names(database, q="不存在的词") == []
    assert _names(database, q="！？") == []


def test_facets_and_filters(database, cast) -> None:
    _catalog(database, cast)
    with database.session() as db:
        result = ledger.search(db, ResourceQuery(q="人口"))
        facets = {name: dict(values) for name, values in result.facets.items()}
        assert facets["department"] == {str(cast.department_id): 2, str(cast.other_department_id): 1}
        assert facets["share_type"] == {"conditional": 2, "unconditional": 1}
        assert facets["grade"] == {"important": 2, "general": 1}
        assert facets["class"] == {"1-01": 2, "2-08": 1}
        assert facets["format"] == {"csv": 2, "xlsx": 1}
        assert facets["kind"] == {"data": 3}
        only = ledger.search(db, ResourceQuery(q="人口", grade=["general"], open_type=["unconditional"]))
        assert [r.name for r in only.items] == ["人口出生信息统计"]
        by_class = ledger.search(db, ResourceQuery(class_code=["2-08"]))
        assert by_class.total == 2
        by_format = ledger.search(db, ResourceQuery(format=["xlsx"], department_id=[cast.other_department_id]))
        assert by_format.total == 1
        by_tag = ledger.search(db, ResourceQuery(tag=["医疗"]))
        assert [r.name for r in by_tag.items] == ["医疗机构执业登记"]


def test_paging_sorting_and_states(database, cast) -> None:
    _catalog(database, cast)
    with database.session() as db:
        page = ledger.search(db, ResourceQuery(sort="name", limit=2, offset=1))
        assert page.total == 4 and len(page.items) == 2
        drafts = ledger.search(db, ResourceQuery(states=["draft"]))
        assert [r.name for r in drafts.items] == ["人口草稿资源"]


def test_code_lookup_ranks_first(database, cast) -> None:
    _catalog(database, cast)
    with database.session() as db:
        first = ledger.search(db, ResourceQuery(q="1-01-002-000-000001"))
    assert first.items[0].name == "流动人口登记信息"


def test_index_follows_edits(database, cast) -> None:
    r = register(
        database, cast.department_id, "道路名录", fields=[field("mc", "名称")], share_type="unconditional", publish=True
    )
    from xingcheng.ledger.schemas import ResourceUpdate

    with database.session() as db:
        ledger.update_resource(db, r.id, ResourceUpdate(name="桥梁名录"), ledger.SYSTEM)
    assert _names(database, q="桥梁") == ["桥梁名录"] and _names(database, q="道路") == []
    with database.session() as db:
        assert ledger.reindex(db) == 1
    assert _names(database, q="桥梁") == ["桥梁名录"]

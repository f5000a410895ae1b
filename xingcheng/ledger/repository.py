"""Every query of the data ledger."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import and_, delete, func, insert, literal, or_, select
from sqlalchemy.orm import Session, selectinload

from xingcheng.identity.models import Department
from xingcheng.ledger.models import (
    Arbitration,
    CatalogClass,
    Change,
    Field,
    Resource,
    ResourceFormat,
    ResourceTag,
    SearchTerm,
)

__all__ = [
    "FULL",
    "add_terms",
    "arbitration_by_id",
    "authority_holders",
    "class_by_code",
    "class_codes",
    "class_codes_of",
    "class_ids_under",
    "class_names",
    "collections_of",
    "count_by",
    "count_resources",
    "delete_terms",
    "department_by_code",
    "department_by_name",
    "department_item_class",
    "departments_by_id",
    "list_arbitrations",
    "list_changes",
    "list_classes",
    "list_data_items",
    "lock_class",
    "max_seq",
    "next_department_item",
    "pending_arbitration",
    "resource_by_code",
    "resource_by_id",
    "resource_by_origin",
    "resources_by_ids",
    "search",
    "tag_counts",
]

# Everything a resource page, the API and the publishers need, loaded at once (relationships are lazy="raise").
FULL = (
    selectinload(Resource.fields),
    selectinload(Resource.tags),
    selectinload(Resource.formats),
    selectinload(Resource.department),
    selectinload(Resource.catalog_class),
)
SUMMARY = (
    selectinload(Resource.tags),
    selectinload(Resource.formats),
    selectinload(Resource.department),
    selectinload(Resource.catalog_class),
)


# -- classes ---------------------------------------------------------------------------------------
def list_classes(db: Session) -> list[CatalogClass]:
    return list(db.scalars(select(CatalogClass).order_by(CatalogClass.code)))


def class_codes(db: Session) -> set[str]:
    return set(db.scalars(select(CatalogClass.code)))


def class_names(db: Session, codes: list[str]) -> list[str]:
    """Names of the classes with these codes, in the order of the codes."""
    stmt = select(CatalogClass.code, CatalogClass.name).where(CatalogClass.code.in_(codes))
    names = {code: name for code, name in db.execute(stmt)}
    return [names[c] for c in codes if c in names]


def class_ids_under(db: Session, codes: list[str]) -> Any:
    """A subquery of the ids of these classes and of every class below them."""
    if not codes:
        return select(CatalogClass.id).where(literal(False))
    return select(CatalogClass.id).where(
        or_(*[c for code in codes for c in (CatalogClass.code == code, CatalogClass.code.like(code + "-%"))])
    )


def class_codes_of(db: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {i: c for i, c in db.execute(select(CatalogClass.id, CatalogClass.code).where(CatalogClass.id.in_(ids)))}


def class_by_code(db: Session, code: str) -> CatalogClass | None:
    return db.scalar(select(CatalogClass).where(CatalogClass.code == code))


def department_item_class(db: Session, department_id: int) -> CatalogClass | None:
    """The 项 of a department under 类 3."""
    return db.scalar(select(CatalogClass).where(CatalogClass.level == 2, CatalogClass.department_id == department_id))


def next_department_item(db: Session) -> int:
    codes = db.scalars(select(CatalogClass.code).where(CatalogClass.level == 2, CatalogClass.code.like("3-%")))
    used = [int(c.split("-")[1]) for c in codes]
    return max(used, default=0) + 1


# -- departments -----------------------------------------------------------------------------------
def department_by_code(db: Session, code: str) -> Department | None:
    return db.scalar(select(Department).where(Department.code == code))


def department_by_name(db: Session, name: str) -> Department | None:
    return db.scalar(select(Department).where(Department.name == name))


def departments_by_id(db: Session) -> dict[int, Department]:
    return {d.id: d for d in db.scalars(select(Department))}


# -- resources -------------------------------------------------------------------------------------
def resource_by_id(db: Session, resource_id: int, *, full: bool = True) -> Resource | None:
    return db.scalar(select(Resource).options(*(FULL if full else SUMMARY)).where(Resource.id == resource_id))


def resource_by_code(db: Session, code: str) -> Resource | None:
    return db.scalar(select(Resource).options(*FULL).where(Resource.code == code))


def resource_by_origin(db: Session, origin_hub: str, origin_id: str) -> Resource | None:
    return db.scalar(
        select(Resource).options(*FULL).where(Resource.origin_hub == origin_hub, Resource.origin_id == origin_id)
    )


def resources_by_ids(db: Session, ids: Sequence[int], *, full: bool = False) -> list[Resource]:
    if not ids:
        return []
    rows = {
        r.id: r for r in db.scalars(select(Resource).options(*(FULL if full else SUMMARY)).where(Resource.id.in_(ids)))
    }
    return [rows[i] for i in ids if i in rows]


def lock_class(db: Session, class_id: int) -> None:
    """Serialise code allocation within a class (FOR UPDATE is left out on SQLite, which has one writer)."""
    db.execute(select(CatalogClass.id).where(CatalogClass.id == class_id).with_for_update())


def collections_of(db: Session, ids: list[int]) -> tuple[list[Field], list[ResourceTag], list[ResourceFormat]]:
    """The fields (in order), tags and formats of these resources."""
    out: tuple[list[Field], list[ResourceTag], list[ResourceFormat]] = ([], [], [])
    for start in range(0, len(ids), 900):  # below SQLite's limit of bound parameters
        chunk = ids[start : start + 900]
        stmt = select(Field).where(Field.resource_id.in_(chunk)).order_by(Field.resource_id, Field.position)
        out[0].extend(db.scalars(stmt))
        out[1].extend(db.scalars(select(ResourceTag).where(ResourceTag.resource_id.in_(chunk))))
        out[2].extend(db.scalars(select(ResourceFormat).where(ResourceFormat.resource_id.in_(chunk))))
    return out


def max_seq(db: Session, class_id: int) -> int:
    return db.scalar(select(func.max(Resource.seq)).where(Resource.class_id == class_id)) or 0


def count_resources(db: Session, *, state: str | None = None, department_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(Resource)
    if state is not None:
        stmt = stmt.where(Resource.state == state)
    if department_id is not None:
        stmt = stmt.where(Resource.department_id == department_id)
    return db.scalar(stmt) or 0


def count_by(db: Session, column: Any, *, where: Iterable[Any] = ()) -> dict[Any, int]:
    stmt = select(column, func.count()).select_from(Resource).where(*where).group_by(column)
    return {value: n for value, n in db.execute(stmt)}


# -- 一数一源 ---------------------------------------------------------------------------------------
def authority_holders(db: Session, data_items: Iterable[str], exclude_resource_id: int | None) -> dict[str, Resource]:
    """Data item → the other resource that is authoritative for it."""
    items = list(set(data_items))
    if not items:
        return {}
    stmt = (
        select(Field.data_item, Resource)
        .join(Resource, Resource.id == Field.resource_id)
        .where(Field.authoritative.is_(True), Field.data_item.in_(items))
    )
    if exclude_resource_id is not None:
        stmt = stmt.where(Resource.id != exclude_resource_id)
    return {item: res for item, res in db.execute(stmt)}


def list_data_items(db: Session) -> list[tuple[str, str, str, str]]:
    """(data item, field name, resource code, resource name) of every authoritative field."""
    stmt = (
        select(Field.data_item, Field.name, Resource.code, Resource.name)
        .join(Resource, Resource.id == Field.resource_id)
        .where(Field.authoritative.is_(True))
        .order_by(Field.data_item)
    )
    return [(a, b, c, d) for a, b, c, d in db.execute(stmt)]


def pending_arbitration(db: Session, resource_id: int, data_item: str) -> Arbitration | None:
    return db.scalar(
        select(Arbitration).where(
            Arbitration.claimant_resource_id == resource_id,
            Arbitration.data_item == data_item,
            Arbitration.state == "pending",
        )
    )


def arbitration_by_id(db: Session, arbitration_id: int) -> Arbitration | None:
    return db.scalar(
        select(Arbitration)
        .options(selectinload(Arbitration.claimant), selectinload(Arbitration.holder))
        .where(Arbitration.id == arbitration_id)
    )


def list_arbitrations(db: Session, state: str | None = "pending") -> list[Arbitration]:
    stmt = select(Arbitration).options(selectinload(Arbitration.claimant), selectinload(Arbitration.holder))
    if state is not None:
        stmt = stmt.where(Arbitration.state == state)
    return list(db.scalars(stmt.order_by(Arbitration.requested_at.desc(), Arbitration.id.desc())))


# -- history ---------------------------------------------------------------------------------------
def list_changes(db: Session, resource_id: int) -> list[Change]:
    return list(
        db.scalars(
            select(Change).where(Change.resource_id == resource_id).order_by(Change.revision.desc(), Change.id.desc())
        )
    )


# -- tags ------------------------------------------------------------------------------------------
def tag_counts(db: Session, *, published_only: bool = True) -> list[tuple[str, int]]:
    stmt = select(ResourceTag.name, func.count()).join(Resource, Resource.id == ResourceTag.resource_id)
    if published_only:
        stmt = stmt.where(Resource.state == "published")
    return [
        (t, n) for t, n in db.execute(stmt.group_by(ResourceTag.name).order_by(func.count().desc(), ResourceTag.name))
    ]


# -- search index ----------------------------------------------------------------------------------
def delete_terms(db: Session, resource_ids: Sequence[int]) -> None:
    if resource_ids:
        db.execute(delete(SearchTerm).where(SearchTerm.resource_id.in_(resource_ids)))


def add_terms(db: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        db.execute(insert(SearchTerm.__table__), rows)  # Core executemany: no ORM work per row


FACET_COLUMNS = {
    "department": Resource.department_id,
    "class": Resource.class_id,
    "share_type": Resource.share_type,
    "open_type": Resource.open_type,
    "grade": Resource.grade,
    "kind": Resource.kind,
}
SORTS = {
    "name": (Resource.name, False),
    "code": (Resource.code, False),
    "modified": (Resource.metadata_modified, True),
    "published": (Resource.published_at, True),
    "id": (Resource.id, False),
}


def search(
    db: Session,
    *,
    terms: list[str],
    where: list[Any],
    format_filter: list[str],
    tag_filter: list[str],
    phrase: str,
    sort: str,
    descending: bool | None,
    offset: int,
    limit: int,
    facets: bool,
) -> tuple[int, list[tuple[int, float]], dict[str, list[tuple[str, int]]]]:
    """Total, page of (id, score) and facet counts, in three statements over the same matching set: the
    facet columns grouped together (one sort of the matches, not one per facet), the formats, the page.
    Each is a pass over the postings of the query's terms, which costs less than materialising the set."""
    score: Any
    if terms:
        if len(terms) == 1:
            matched = select(SearchTerm.resource_id.label("rid"), SearchTerm.weight.label("score")).where(
                SearchTerm.term == terms[0]
            )
        else:
            matched = (
                select(SearchTerm.resource_id.label("rid"), func.sum(SearchTerm.weight).label("score"))
                .where(SearchTerm.term.in_(terms))
                .group_by(SearchTerm.resource_id)
                .having(func.count() == len(terms))
            )
        m = matched.subquery("m")
        score = m.c.score

        def source(*cols: Any) -> Any:
            return select(*cols).select_from(Resource).join(m, m.c.rid == Resource.id)

    else:
        score = literal(0)

        def source(*cols: Any) -> Any:
            return select(*cols).select_from(Resource)

    def filtered(stmt: Any) -> Any:
        stmt = stmt.where(*where)
        if format_filter:
            stmt = stmt.where(
                Resource.id.in_(select(ResourceFormat.resource_id).where(ResourceFormat.format.in_(format_filter)))
            )
        if tag_filter:
            stmt = stmt.where(Resource.id.in_(select(ResourceTag.resource_id).where(ResourceTag.name.in_(tag_filter))))
        return stmt

    counts: dict[str, list[tuple[str, int]]] = {}
    if facets:
        cols = [*FACET_COLUMNS.values(), Resource.format_list]
        combos = db.execute(filtered(source(*cols, func.count())).group_by(*cols)).all()
        total = 0
        tallies: dict[str, dict[str, int]] = {name: {} for name in [*FACET_COLUMNS, "format"]}
        for row in combos:
            n = row[-1]
            total += n
            for name, value in zip(FACET_COLUMNS, row[:-2], strict=True):
                if value is not None:
                    key = str(value)
                    tallies[name][key] = tallies[name].get(key, 0) + n
            for fmt in (row[-2] or "").split(","):
                if fmt:
                    tallies["format"][fmt] = tallies["format"].get(fmt, 0) + n
        counts = {name: list(values.items()) for name, values in tallies.items()}
    else:
        total = db.scalar(filtered(source(func.count()))) or 0
    if limit == 0 or total == 0:
        return total, [], counts
    if sort == "relevance" and terms:
        # Best first, newest first among equals: the order of the (term, weight, resource_id) index walked
        # backwards, so a one-term query reads its first page straight off the index.
        order = [score.desc(), m.c.rid.desc()]
    elif sort == "relevance":
        order = [Resource.id.desc()]
    else:
        column, default_desc = SORTS[sort]
        desc = default_desc if descending is None else descending
        order = [(column.desc() if desc else column.asc()).nulls_last(), Resource.id]  # NULLs last on both
    page = [
        (i, float(sc))
        for i, sc in db.execute(filtered(source(Resource.id, score)).order_by(*order).limit(limit).offset(offset))
    ]
    if phrase and offset == 0:
        # A query that is a resource's code puts that resource first.
        exact = db.scalar(filtered(source(Resource.id)).where(Resource.code == phrase))
        if exact is not None:
            page = [(exact, 1e9), *[p for p in page if p[0] != exact]][:limit]
    return total, page, counts


def visible_clause(*, department_id: int | None, all_states: bool, states: list[str]) -> Any:
    """Published entries for everyone; other states only for the owner department or a reviewer."""
    wanted = states or ["published"]
    clause = Resource.state.in_(wanted)
    if all_states or wanted == ["published"]:
        return clause
    own = and_(clause, Resource.department_id == department_id) if department_id is not None else None
    published = and_(Resource.state == "published", Resource.state.in_(wanted))
    return or_(published, own) if own is not None else published


def modified_since_clause(since: dt.datetime) -> Any:
    return Resource.metadata_modified >= since


def freshness_rows(db: Session, where: Iterable[Any] = ()) -> list[Any]:
    """(id, code, name, department_id, update_cycle, last updated) of published resources."""
    stmt = select(
        Resource.id,
        Resource.code,
        Resource.name,
        Resource.department_id,
        Resource.update_cycle,
        func.coalesce(Resource.data_updated_at, Resource.metadata_modified).label("last_updated"),
    ).where(Resource.state == "published", *where)
    return list(db.execute(stmt))


def department_counts(db: Session) -> list[tuple[int, str, int]]:
    """(department id, state, count) of the hub's own resources."""
    stmt = (
        select(Resource.department_id, Resource.state, func.count())
        .where(Resource.department_id.is_not(None))
        .group_by(Resource.department_id, Resource.state)
    )
    return [(d, s, n) for d, s, n in db.execute(stmt)]

"""Every query of publishing and federation: the visible catalog, CKAN-style search, harvest sources.

The CKAN façade needs filters the ledger's own search does not offer (negations, ranges on both ends,
organisation by code, the uuid as id) and whole entries (fields included) in one page, so it queries the
ledger's tables here; it reuses the ledger's search index (``ledger_search_term``) for free text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, not_, or_, select, true
from sqlalchemy.orm import Session, selectinload

from xingcheng.identity.models import Department
from xingcheng.ledger.models import CatalogClass, Resource, ResourceFormat, ResourceTag, SearchTerm
from xingcheng.ledger.publish.ckan_query import Clause, QuerySyntaxError, parse_timestamp
from xingcheng.ledger.publish.models import HarvestRun, HarvestSource
from xingcheng.ledger.search import query_terms

__all__ = [
    "Visibility",
    "class_index",
    "codes_by_ids",
    "count_harvested",
    "facet_counts",
    "list_departments",
    "list_runs",
    "list_sources",
    "load_entries",
    "resource_by_id_or_name",
    "search_ids",
    "source_by_name",
    "tag_counts",
    "theme_counts",
    "visible_condition",
]

PUBLISHED = "published"
NOT_OPEN = "none"
NOT_SHARED = "none"


@dataclass(frozen=True, slots=True)
class Visibility:
    """What a caller may see: always published entries that are open; with ``shared`` also the entries that
    are shared among government departments though not open to the public. 不予共享 and 不予开放 together
    never leave the hub through these interfaces."""

    shared: bool = False


def visible_condition(vis: Visibility) -> ColumnElement[bool]:
    cond = Resource.open_type != NOT_OPEN
    if vis.shared:
        cond = or_(cond, Resource.share_type != NOT_SHARED)
    return and_(Resource.state == PUBLISHED, cond)


def _full() -> list[Any]:
    return [
        selectinload(Resource.fields),
        selectinload(Resource.tags),
        selectinload(Resource.formats),
        selectinload(Resource.department),
        selectinload(Resource.catalog_class),
    ]


def load_entries(db: Session, ids: Sequence[int]) -> list[Resource]:
    """Whole resources in the order of ``ids``."""
    if not ids:
        return []
    rows = {r.id: r for r in db.scalars(select(Resource).options(*_full()).where(Resource.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def codes_by_ids(db: Session, ids: Sequence[int]) -> list[str]:
    """Codes of the resources, in the order of ``ids``."""
    if not ids:
        return []
    rows = {rid: code for rid, code in db.execute(select(Resource.id, Resource.code).where(Resource.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def resource_by_id_or_name(db: Session, key: str) -> Resource | None:
    """CKAN looks packages up by id or name: our uuid, or the code (its lower-case form is the name)."""
    stmt = select(Resource).options(*_full())
    found = db.scalar(stmt.where(Resource.uuid == key))
    if found is None:
        found = db.scalar(stmt.where(func.lower(Resource.code) == key.lower()))
    return found


def class_index(db: Session) -> dict[str, tuple[str, str]]:
    """class code → (name, kind) for every catalog class (a few hundred rows)."""
    return {c.code: (c.name, c.kind) for c in db.scalars(select(CatalogClass))}


def list_departments(db: Session) -> list[Department]:
    return list(db.scalars(select(Department).order_by(Department.code)))


# -- search ------------------------------------------------------------------------------------------
_LICENCE_TO_OPEN = {"cc-by-4.0": "unconditional", "conditional-open": "conditional", "notspecified": "none"}
_DATE_FIELDS: dict[str, Any] = {
    "metadata_modified": Resource.metadata_modified,
    "metadata_created": Resource.created_at,
}
_VALUE_FIELDS: dict[str, Any] = {
    "share_type": Resource.share_type,
    "open_type": Resource.open_type,
    "grade": Resource.grade,
    "kind": Resource.kind,
    "update_cycle": Resource.update_cycle,
    "origin_hub": Resource.origin_hub,
}
FILTER_FIELDS = frozenset(
    {
        *_DATE_FIELDS,
        *_VALUE_FIELDS,
        "id",
        "name",
        "organization",
        "owner_org",
        "tags",
        "res_format",
        "groups",
        "catalog_class",
        "license_id",
        "private",
        "capacity",
        "dataset_type",
        "type",
        "state",
        "code",
    }
)


def _values(clause: Clause) -> ColumnElement[bool]:
    field, values = clause.field, list(clause.values)
    if field == "id":
        return Resource.uuid.in_(values)
    if field in ("name", "code"):
        return func.lower(Resource.code).in_([v.lower() for v in values])
    if field in ("organization", "owner_org"):
        own = select(Department.id).where(Department.code.in_(values))
        harvested = and_(Resource.department_id.is_(None), Resource.origin_org.in_(values))
        return or_(Resource.department_id.in_(own), harvested)
    if field == "tags":
        return Resource.id.in_(select(ResourceTag.resource_id).where(ResourceTag.name.in_(values)))
    if field == "res_format":
        lowered = [v.lower() for v in values]
        return Resource.id.in_(select(ResourceFormat.resource_id).where(ResourceFormat.format.in_(lowered)))
    if field == "groups":
        prefixes = [CatalogClass.code == v for v in values] + [CatalogClass.code.startswith(v + "-") for v in values]
        return Resource.class_id.in_(select(CatalogClass.id).where(or_(*prefixes)))
    if field == "catalog_class":
        return Resource.class_id.in_(select(CatalogClass.id).where(CatalogClass.kind.in_(values)))
    if field == "license_id":
        return Resource.open_type.in_([_LICENCE_TO_OPEN.get(v.lower(), "?") for v in values])
    if field == "private":
        wanted = {v.lower() for v in values}
        conds = []
        if "true" in wanted:
            conds.append(Resource.open_type == NOT_OPEN)
        if "false" in wanted:
            conds.append(Resource.open_type != NOT_OPEN)
        return or_(*conds) if conds else false()
    if field == "capacity":
        return Resource.open_type != NOT_OPEN if "public" in values else Resource.open_type == NOT_OPEN
    if field in ("dataset_type", "type"):
        return true() if "dataset" in values else false()
    if field == "state":
        return true() if "active" in values else false()
    return _VALUE_FIELDS[field].in_(values)


def clause_condition(clause: Clause, now: dt.datetime) -> ColumnElement[bool]:
    """A parsed ``fq`` clause as a SQL condition; unknown fields and ranges on non-dates are query errors."""
    if clause.field not in FILTER_FIELDS:
        raise QuerySyntaxError("publish.query.unknown_field")
    if clause.is_range:
        col = _DATE_FIELDS.get(clause.field)
        if col is None:
            raise QuerySyntaxError("publish.query.range_needs_date")
        parts: list[ColumnElement[bool]] = []
        if clause.low is not None:
            low = parse_timestamp(clause.low, now)
            parts.append(col >= low if clause.include_low else col > low)
        if clause.high is not None:
            high = parse_timestamp(clause.high, now)
            parts.append(col <= high if clause.include_high else col < high)
        cond: ColumnElement[bool] = and_(true(), *parts)
    elif clause.field in _DATE_FIELDS:
        col = _DATE_FIELDS[clause.field]
        cond = or_(*[col == parse_timestamp(v, now) for v in clause.values])
    else:
        cond = _values(clause)
    return not_(cond) if clause.negate else cond


def text_scores(terms: list[str]) -> Select[Any]:
    """(resource_id, score) of the resources that hold every term of the query."""
    return (
        select(SearchTerm.resource_id.label("rid"), func.sum(SearchTerm.weight).label("score"))
        .where(SearchTerm.term.in_(terms))
        .group_by(SearchTerm.resource_id)
        .having(func.count() == len(terms))
    )


@dataclass(frozen=True, slots=True)
class SearchSpec:
    vis: Visibility
    conditions: tuple[ColumnElement[bool], ...]
    text: str
    order: tuple[tuple[str, bool], ...]  # (key, descending)
    offset: int
    limit: int


_ORDER_COLUMNS: dict[str, Any] = {
    "metadata_modified": Resource.metadata_modified,
    "metadata_created": Resource.created_at,
    "id": Resource.uuid,
    "name": Resource.code,
    "title_string": Resource.name,
    "title": Resource.name,
}


def _base(spec: SearchSpec) -> tuple[Select[Any], Any]:
    score = None
    stmt = select(Resource.id).where(visible_condition(spec.vis), *spec.conditions)
    if spec.text:
        terms = query_terms(spec.text)
        if not terms:
            return stmt.where(false()), None
        scores = text_scores(terms).subquery()
        stmt = select(Resource.id, scores.c.score).join(scores, scores.c.rid == Resource.id)
        stmt = stmt.where(visible_condition(spec.vis), *spec.conditions)
        score = scores.c.score
    return stmt, score


def search_ids(db: Session, spec: SearchSpec) -> tuple[int, list[int]]:
    """Total matches and one page of resource ids, in the asked order (ties broken by id)."""
    stmt, score = _base(spec)
    total = db.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    if spec.limit == 0 or total == 0:
        return total, []
    order: list[Any] = []
    for key, desc in spec.order:
        if key == "score":
            if score is None:
                continue
            order.append(score.desc() if desc else score.asc())
            continue
        col = _ORDER_COLUMNS[key]
        order.append(col.desc() if desc else col.asc())
    order.append(Resource.uuid.asc())
    rows = db.execute(stmt.order_by(*order).offset(spec.offset).limit(spec.limit)).all()
    return total, [r[0] for r in rows]


def facet_counts(db: Session, spec: SearchSpec, facet: str, limit: int, mincount: int) -> list[tuple[str, int]]:
    """(value, count) of one facet over every match of the search."""
    stmt, _ = _base(spec)
    ids = stmt.with_only_columns(Resource.id).subquery()
    if facet == "tags":
        q = select(ResourceTag.name, func.count()).where(ResourceTag.resource_id.in_(select(ids.c.id)))
        q = q.group_by(ResourceTag.name)
    elif facet == "res_format":
        q = select(ResourceFormat.format, func.count()).where(ResourceFormat.resource_id.in_(select(ids.c.id)))
        q = q.group_by(ResourceFormat.format)
    elif facet == "organization":
        key = func.coalesce(Department.code, Resource.origin_org)
        q = (
            select(key, func.count())
            .select_from(Resource)
            .outerjoin(Department, Department.id == Resource.department_id)
            .where(Resource.id.in_(select(ids.c.id)))
            .group_by(key)
        )
    elif facet == "groups":
        q = (
            select(CatalogClass.code, func.count())
            .select_from(Resource)
            .join(CatalogClass, CatalogClass.id == Resource.class_id)
            .where(Resource.id.in_(select(ids.c.id)))
            .group_by(CatalogClass.code)
        )
    else:
        col = FACET_COLUMNS[facet]
        q = select(col, func.count()).where(Resource.id.in_(select(ids.c.id))).group_by(col)
    rows = [(str(v), int(n)) for v, n in db.execute(q).all() if v is not None and n >= mincount]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return rows[:limit] if limit >= 0 else rows


FACET_COLUMNS: dict[str, Any] = {
    "share_type": Resource.share_type,
    "open_type": Resource.open_type,
    "grade": Resource.grade,
    "kind": Resource.kind,
    "update_cycle": Resource.update_cycle,
    "origin_hub": Resource.origin_hub,
    "license_id": Resource.open_type,
}


def tag_counts(db: Session, vis: Visibility, query: str | None, limit: int | None) -> list[str]:
    stmt = (
        select(ResourceTag.name)
        .join(Resource, Resource.id == ResourceTag.resource_id)
        .where(visible_condition(vis))
        .group_by(ResourceTag.name)
        .order_by(ResourceTag.name)
    )
    if query:
        stmt = stmt.where(ResourceTag.name.contains(query, autoescape=True))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.scalars(stmt))


def theme_counts(db: Session, vis: Visibility) -> dict[str, int]:
    """Visible entries per class code (the caller sums them up the class tree)."""
    stmt = (
        select(CatalogClass.code, func.count())
        .select_from(Resource)
        .join(CatalogClass, CatalogClass.id == Resource.class_id)
        .where(visible_condition(vis))
        .group_by(CatalogClass.code)
    )
    return {code: int(n) for code, n in db.execute(stmt).all()}


def org_counts(db: Session, vis: Visibility) -> dict[str, int]:
    key = func.coalesce(Department.code, Resource.origin_org)
    stmt = (
        select(key, func.count())
        .select_from(Resource)
        .outerjoin(Department, Department.id == Resource.department_id)
        .where(visible_condition(vis))
        .group_by(key)
    )
    return {str(code): int(n) for code, n in db.execute(stmt).all() if code is not None}


def newest_modified(db: Session, vis: Visibility) -> dt.datetime | None:
    return db.scalar(select(func.max(Resource.metadata_modified)).where(visible_condition(vis)))


def harvested_via(db: Session, source_name: str) -> list[Resource]:
    """Harvested entries (not retired) whose extras say they came through this source."""
    rows = db.scalars(select(Resource).where(Resource.origin_hub.is_not(None), Resource.state != "retired"))
    return [r for r in rows if (r.origin_extras or {}).get("harvest_source") == source_name]


def count_harvested(db: Session) -> dict[str, int]:
    stmt = (
        select(Resource.origin_hub, func.count())
        .where(Resource.origin_hub.is_not(None), Resource.state == PUBLISHED)
        .group_by(Resource.origin_hub)
    )
    return {str(h): int(n) for h, n in db.execute(stmt).all()}


# -- harvest sources and runs --------------------------------------------------------------------------
def list_sources(db: Session, kinds: Sequence[str] | None = None) -> list[HarvestSource]:
    stmt = select(HarvestSource).order_by(HarvestSource.name)
    if kinds:
        stmt = stmt.where(HarvestSource.kind.in_(kinds))
    return list(db.scalars(stmt))


def source_by_name(db: Session, name: str) -> HarvestSource | None:
    return db.scalar(select(HarvestSource).where(HarvestSource.name == name))


def list_runs(db: Session, source_id: int | None = None, limit: int = 50) -> list[HarvestRun]:
    stmt = select(HarvestRun).options(selectinload(HarvestRun.source)).order_by(HarvestRun.id.desc()).limit(limit)
    if source_id is not None:
        stmt = stmt.where(HarvestRun.source_id == source_id)
    return list(db.scalars(stmt))

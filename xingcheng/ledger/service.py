"""Decisions of the data ledger: register and edit resources, review them, keep 一数一源, search.

Functions flush, never commit: the request, the CLI command or the job that called them commits. Every
function that changes a resource records who changed what (a diff) in its history and bumps
``metadata_modified``. Harvested resources (``origin_hub`` set) are read-only except through
:func:`upsert_harvested_resource`.

The public surface other domains use: :func:`get_resource`, :func:`get_resource_by_code`,
:func:`resource_schema`, :func:`search`, :func:`list_organisations`, :func:`list_groups`, :func:`list_tags`,
:func:`upsert_harvested_resource`, :func:`authoritative_source`, :func:`mark_data_updated`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from xingcheng.core.db import utcnow
from xingcheng.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from xingcheng.core.permissions import Role
from xingcheng.identity.models import Department
from xingcheng.identity.principal import Principal
from xingcheng.ledger import history
from xingcheng.ledger import repository as repo
from xingcheng.ledger import search as fts
from xingcheng.ledger.models import (
    Arbitration,
    CatalogClass,
    Change,
    Field,
    Resource,
    ResourceFormat,
    ResourceTag,
)
from xingcheng.ledger.permissions import RESOURCE_EDIT, RESOURCE_REVIEW, RESOURCE_VIEW
from xingcheng.ledger.schema import DataType, FieldFormat, FieldSpec, ResourceSchema, Sensitivity, UpdateCycle
from xingcheng.ledger.schemas import FieldIn, HarvestedResourceIn, ResourceIn, ResourceQuery, ResourceUpdate
from xingcheng.ledger.taxonomy import DEPARTMENT_ITEMS, KINDS, TAXONOMY
from xingcheng.ledger.vocab import Grade, Kind, OpenType, ShareType, State, max_grade

__all__ = [
    "SYSTEM",
    "GradePolicy",
    "SearchResult",
    "authoritative_source",
    "create_many",
    "create_resource",
    "decide_arbitration",
    "delete_resource",
    "department_class",
    "ensure_classes",
    "field_grade",
    "field_in",
    "get_resource",
    "get_resource_by_code",
    "list_groups",
    "list_organisations",
    "list_tags",
    "mark_data_updated",
    "publish",
    "reindex",
    "resolve_class",
    "resource_schema",
    "retire",
    "return_resource",
    "search",
    "submit",
    "update_resource",
    "upsert_harvested_resource",
    "withdraw",
]

# Jobs without a person behind them (CLI import, demo, harvest) act as the system: every permission, any
# department. The history records them as "system".
SYSTEM = Principal(
    kind="user",
    id=None,
    display_name="system",
    roles=frozenset({Role.PLATFORM_ADMIN}),
    permissions=frozenset({RESOURCE_VIEW, RESOURCE_EDIT, RESOURCE_REVIEW, "ledger.import"}),
)


@dataclass(frozen=True, slots=True)
class GradePolicy:
    """The grade a field gets from its sensitivity (configurable: ``XINGCHENG_LEDGER_GRADE_*``)."""

    personal: Grade = Grade.GENERAL
    sensitive: Grade = Grade.IMPORTANT

    def for_sensitivity(self, sensitivity: str) -> Grade:
        if sensitivity == Sensitivity.SENSITIVE:
            return max_grade(self.sensitive, Grade.IMPORTANT)  # sensitive personal information: at least 重要
        if sensitivity == Sensitivity.PERSONAL:
            return self.personal
        return Grade.GENERAL

    @classmethod
    def from_settings(cls, settings: Any) -> GradePolicy:
        return cls(
            personal=Grade(getattr(settings, "ledger_grade_personal", Grade.GENERAL)),
            sensitive=Grade(getattr(settings, "ledger_grade_sensitive", Grade.IMPORTANT)),
        )


DEFAULT_POLICY = GradePolicy()
DEFAULT_CODES = frozenset(
    [*KINDS]
    + [f"{top}-{item}" for top, items in TAXONOMY.items() for item in items]
    + [f"{top}-{item}-{e}" for top, items in TAXONOMY.items() for item, (_n, es) in items.items() for e, _en in es]
)


def field_grade(f: Field | FieldIn, policy: GradePolicy = DEFAULT_POLICY) -> Grade:
    floor = f.grade_floor if isinstance(f, Field) else f.grade
    return max_grade(floor, policy.for_sensitivity(f.sensitivity))


def _err(path: str, code: str, key: str, **params: Any) -> dict[str, Any]:
    e: dict[str, Any] = {"field": path, "code": code, "message_key": key}
    if params:
        e["params"] = params
    return e


def actor_ref(by: Principal) -> str:
    return "system" if by.id is None else by.ref


def _is_global(by: Principal) -> bool:
    return Role.PLATFORM_ADMIN in by.roles


# -- classes ---------------------------------------------------------------------------------------
def ensure_classes(db: Session) -> None:
    """Seed the default classification (类 1 and 2 with their 项 and 目, the root of 类 3) where missing."""
    have = {c.code: c for c in repo.list_classes(db)}
    if DEFAULT_CODES <= have.keys():
        return
    ids: dict[str, int] = {}
    for top, (kind, name) in KINDS.items():
        ids[top] = _class(db, have, top, name, 1, kind, None).id
    for top, items in TAXONOMY.items():
        kind = KINDS[top][0]
        for item, (name, entries) in items.items():
            code = f"{top}-{item}"
            parent = _class(db, have, code, name, 2, kind, ids[top])
            for entry, entry_name in entries:
                _class(db, have, f"{code}-{entry}", entry_name, 3, kind, parent.id)
    db.flush()


def _class(
    db: Session,
    have: dict[str, CatalogClass],
    code: str,
    name: str,
    level: int,
    kind: str,
    parent: int | None,
    **kw: Any,
) -> CatalogClass:
    if code in have:
        return have[code]
    node = CatalogClass(code=code, name=name, level=level, kind=kind, parent_id=parent, **kw)
    db.add(node)
    db.flush()
    have[code] = node
    return node


def department_class(db: Session, department: Department) -> CatalogClass:
    """The department's 项 under 类 3 (created with its standard 目 on first use)."""
    found = repo.department_item_class(db, department.id)
    if found is not None:
        return found
    ensure_classes(db)
    root = repo.class_by_code(db, "3")
    assert root is not None
    number = repo.next_department_item(db)
    if number > 99:
        raise Conflict("ledger.class.department_items_full")
    have = {c.code: c for c in repo.list_classes(db)}
    item = _class(db, have, f"3-{number:02d}", department.name, 2, "department", root.id, department_id=department.id)
    for entry, name in DEPARTMENT_ITEMS:
        _class(db, have, f"{item.code}-{entry}", name, 3, "department", item.id, department_id=department.id)
    return item


def resolve_class(db: Session, code: str, department: Department | None) -> CatalogClass | None:
    """A class by code; ``3-001`` is short for the 目 001 under the department's own 项."""
    code = code.strip()
    parts = code.split("-")
    if len(parts) == 2 and parts[0] == "3" and len(parts[1]) == 3 and department is not None:
        code = f"{department_class(db, department).code}-{parts[1]}"
    node = repo.class_by_code(db, code)
    if node is None and code.split("-")[0] in ("1", "2", "3"):
        ensure_classes(db)
        node = repo.class_by_code(db, code)
    if node is None and code.startswith("3-") and department is not None:
        department_class(db, department)
        node = repo.class_by_code(db, code)
    return node


def list_classes(db: Session) -> list[CatalogClass]:
    ensure_classes(db)
    return repo.list_classes(db)


def _resource_code(class_code: str, seq: int) -> str:
    parts = class_code.split("-")
    parts += ["000"] * (4 - len(parts))
    return "-".join(parts) + f"-{seq:06d}"


# -- validation ------------------------------------------------------------------------------------
@dataclass
class _Draft:
    """The complete intended state of a resource, validated before anything is written."""

    name: str
    abstract: str
    kind: str
    share_type: str
    share_conditions: str
    legal_basis: str
    share_methods: list[str]
    open_type: str
    open_conditions: str
    grade_floor: str | None
    update_cycle: str
    formats: list[str]
    tags: list[str]
    fields: list[FieldIn]
    claim_arbitration: bool = False


def _check(draft: _Draft, policy: GradePolicy, *, complete: bool = False) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    if draft.share_type == ShareType.CONDITIONAL and not draft.share_conditions.strip():
        errors.append(_err("share_conditions", "required", "ledger.share_conditions.required"))
    if draft.share_type == ShareType.NONE and not draft.legal_basis.strip():
        errors.append(_err("legal_basis", "required", "ledger.legal_basis.required"))
    if draft.share_type != ShareType.NONE and not draft.share_methods:
        errors.append(_err("share_methods", "required", "ledger.share_methods.required"))
    if draft.open_type == OpenType.CONDITIONAL and not draft.open_conditions.strip():
        errors.append(_err("open_conditions", "required", "ledger.open_conditions.required"))
    sensitivities = {f.sensitivity for f in draft.fields}
    grade = max_grade(draft.grade_floor, *(field_grade(f, policy) for f in draft.fields))
    if draft.open_type != OpenType.NONE:
        if draft.share_type == ShareType.NONE:
            errors.append(_err("open_type", "exceeds_share", "ledger.open_type.exceeds_share"))
        elif Sensitivity.SENSITIVE in sensitivities or grade == Grade.CORE:
            errors.append(_err("open_type", "not_openable", "ledger.open_type.not_openable"))
        elif Sensitivity.PERSONAL in sensitivities and draft.open_type == OpenType.UNCONDITIONAL:
            errors.append(_err("open_type", "personal", "ledger.open_type.personal"))
    seen: dict[str, int] = {}
    claimed: dict[str, int] = {}
    for i, f in enumerate(draft.fields):
        if f.name in seen:
            errors.append(_err(f"fields.{i}.name", "duplicate", "ledger.field.duplicate"))
        seen[f.name] = i
        if f.authoritative and not f.data_item:
            errors.append(_err(f"fields.{i}.data_item", "required", "ledger.field.authority_needs_item"))
        if f.authoritative and f.data_item:
            if f.data_item in claimed:
                errors.append(_err(f"fields.{i}.authoritative", "duplicate", "ledger.field.authority_twice"))
            claimed[f.data_item] = i
        if f.min_value is not None and f.max_value is not None and f.min_value > f.max_value:
            errors.append(_err(f"fields.{i}.max_value", "range", "ledger.field.range"))
        if f.is_key and not f.required:
            errors.append(_err(f"fields.{i}.required", "key_required", "ledger.field.key_required"))
    if complete:
        if draft.kind == Kind.DATA and not draft.fields:
            errors.append(_err("fields", "required", "ledger.fields.required"))
        if not draft.abstract.strip():
            errors.append(_err("abstract", "required", "ledger.abstract.required"))
    return errors


def _authority_conflicts(db: Session, draft: _Draft, resource_id: int | None) -> dict[str, Resource]:
    items = [f.data_item for f in draft.fields if f.authoritative and f.data_item]
    return repo.authority_holders(db, items, resource_id)


# -- create, update, delete ------------------------------------------------------------------------
def _scope(db: Session, by: Principal, department_id: int | None) -> Department:
    if department_id is None:
        raise ValidationFailed(errors=[_err("department_id", "required", "ledger.department.required")])
    dept = db.get(Department, department_id)
    if dept is None:
        raise ValidationFailed(errors=[_err("department_id", "unknown", "ledger.department.unknown")])
    if not _is_global(by) and by.department_id != dept.id:
        raise PermissionDenied("ledger.scope.other_department")
    return dept


def _editable(r: Resource, by: Principal) -> None:
    if r.harvested:
        raise Conflict("ledger.harvested.read_only")
    if not by.has(RESOURCE_EDIT):
        raise PermissionDenied()
    if not _is_global(by) and by.department_id != r.department_id:
        raise PermissionDenied("ledger.scope.other_department")


def create_resource(
    db: Session, data: ResourceIn, by: Principal, *, policy: GradePolicy = DEFAULT_POLICY, action: str = "create"
) -> Resource:
    """Register a new resource (state draft) for the caller's department (or ``data.department_id``)."""
    try:
        return create_many(db, [data], by, policy=policy, action=action)[0]
    except ValidationFailed as exc:
        if exc.errors and all("item" in e for e in exc.errors):
            raise ValidationFailed(errors=[{k: v for k, v in e.items() if k != "item"} for e in exc.errors]) from None
        raise


def create_many(
    db: Session, items: list[ResourceIn], by: Principal, *, policy: GradePolicy = DEFAULT_POLICY, action: str = "create"
) -> list[Resource]:
    """Register several resources at once (an import, the demo): all or none. Every item is checked first;
    problems are raised together, each error naming its ``item`` (index) and ``field``. A later item may not
    claim a data item an earlier one claims (一数一源 holds within the batch too). Writes are batched: a
    handful of statements for the whole batch."""
    if not by.has(RESOURCE_EDIT):
        raise PermissionDenied()
    errors: list[dict[str, Any]] = []
    prepared: list[tuple[_Draft, Department, CatalogClass]] = []
    claimed = repo.authority_holders(
        db, [f.data_item for d in items for f in d.fields if f.authoritative and f.data_item], None
    )
    batch_claims: dict[str, int] = {}
    conflicts_of: list[dict[str, Resource]] = []
    depts: dict[int, Department | None] = {}
    classes: dict[tuple[str, int], CatalogClass | None] = {}
    for i, data in enumerate(items):
        item_errors: list[dict[str, Any]] = []
        dept_id = data.department_id if data.department_id is not None else by.department_id
        if dept_id not in depts:
            depts[dept_id] = db.get(Department, dept_id) if dept_id is not None else None
        dept = depts[dept_id]
        if dept is None:
            key = "ledger.department.required" if dept_id is None else "ledger.department.unknown"
            errors.append({"item": i, **_err("department_id", "unknown", key)})
            conflicts_of.append({})
            continue
        if not _is_global(by) and by.department_id != dept.id:
            errors.append({"item": i, **_err("department_id", "other_department", "ledger.scope.other_department")})
            conflicts_of.append({})
            continue
        draft = _draft_from(data)
        item_errors += _check(draft, policy)
        if (data.class_code, dept.id) not in classes:
            classes[(data.class_code, dept.id)] = resolve_class(db, data.class_code, dept)
        node = classes[(data.class_code, dept.id)]
        item_errors += _class_errors(node, dept)
        conflicts: dict[str, Resource] = {}
        for j, f in enumerate(draft.fields):
            if not (f.authoritative and f.data_item):
                continue
            if f.data_item in claimed:
                conflicts[f.data_item] = claimed[f.data_item]
            elif f.data_item in batch_claims and batch_claims[f.data_item] != i:
                path = f"fields.{j}.authoritative"
                item_errors.append(_err(path, "authority_taken", "ledger.authority.taken_in_batch", item=f.data_item))
            else:
                batch_claims[f.data_item] = i
        if conflicts and not draft.claim_arbitration:
            item_errors += _conflict_errors(draft, conflicts)
        conflicts_of.append(conflicts)
        errors += [{"item": i, **e} for e in item_errors]
        if not item_errors and node is not None:
            prepared.append((draft, dept, node))
    if errors:
        raise ValidationFailed(errors=errors)
    # Codes: the next numbers of each class, the class rows locked while we count.
    next_seq: dict[int, int] = {}
    for node_id in sorted({node.id for _d, _dept, node in prepared}):
        repo.lock_class(db, node_id)
        next_seq[node_id] = repo.max_seq(db, node_id)
    made: list[Resource] = []
    for draft, dept, node in prepared:
        next_seq[node.id] += 1
        r = Resource(
            code=_resource_code(node.code, next_seq[node.id]),
            seq=next_seq[node.id],
            class_id=node.id,
            department_id=dept.id,
            created_by_id=by.id if by.kind == "user" else None,
            state=State.DRAFT,
            revision=1,
            grade=max_grade(draft.grade_floor, *(field_grade(f, policy) for f in draft.fields)).value,
            **_scalar_values(draft),
        )
        db.add(r)
        made.append(r)
    db.flush()
    field_rows: list[dict[str, Any]] = []
    tag_rows: list[dict[str, Any]] = []
    format_rows: list[dict[str, Any]] = []
    for r, (draft, _dept, _node), conflicts in zip(made, prepared, conflicts_of, strict=True):
        field_rows += [{"resource_id": r.id, **_field_values(f, j, conflicts)} for j, f in enumerate(draft.fields)]
        tag_rows += [{"resource_id": r.id, "name": t} for t in draft.tags]
        format_rows += [{"resource_id": r.id, "format": x} for x in draft.formats]
    # Plain multi-row inserts, then one query each to have them as loaded objects (far cheaper than the ORM's
    # per-row insert … returning).
    for model, rows in ((Field, field_rows), (ResourceTag, tag_rows), (ResourceFormat, format_rows)):
        if rows:
            db.execute(insert(model.__table__), rows)
    fields, tags, formats = repo.collections_of(db, [r.id for r in made])
    by_resource: dict[int, tuple[list[Field], list[ResourceTag], list[ResourceFormat]]] = {
        r.id: ([], [], []) for r in made
    }
    for f in fields:
        by_resource[f.resource_id][0].append(f)
    for t in tags:
        by_resource[t.resource_id][1].append(t)
    for x in formats:
        by_resource[x.resource_id][2].append(x)
    now = utcnow()
    changes: list[dict[str, Any]] = []
    terms: list[dict[str, Any]] = []
    class_names: dict[int, list[str]] = {}
    for r, (_draft, dept, node) in zip(made, prepared, strict=True):
        fs, ts, xs = by_resource[r.id]
        set_committed_value(r, "fields", fs)
        set_committed_value(r, "tags", ts)
        set_committed_value(r, "formats", xs)
        set_committed_value(r, "department", dept)
        set_committed_value(r, "catalog_class", node)
        r.metadata_modified = now
        changes.append(
            {
                "resource_id": r.id,
                "revision": 1,
                "action": action,
                "at": now,
                "user_id": by.id if by.kind == "user" else None,
                "actor": actor_ref(by),
                "comment": "",
                "diff": _jsonable(history.diff(None, history.snapshot(r, node.code))),
            }
        )
        if node.id not in class_names:
            class_names[node.id] = _class_names(db, node)
        terms += _terms(r, dept.name, class_names[node.id])
    db.execute(insert(Change.__table__), changes)
    repo.add_terms(db, terms)
    for r, (draft, _dept, _node), conflicts in zip(made, prepared, conflicts_of, strict=True):
        _arbitrate_claims(db, r, draft, conflicts, by)
    return made


def update_resource(
    db: Session, resource_id: int, data: ResourceUpdate, by: Principal, *, policy: GradePolicy = DEFAULT_POLICY
) -> Resource:
    """Change a resource of one's own department (not while it is under review, nor once retired)."""
    r = get_resource(db, resource_id)
    _editable(r, by)
    if r.state == State.SUBMITTED:
        raise Conflict("ledger.state.in_review")
    if r.state == State.RETIRED:
        raise Conflict("ledger.state.is_retired")
    if data.expected_revision is not None and data.expected_revision != r.revision:
        raise Conflict("ledger.revision.stale")
    before = history.snapshot(r, r.catalog_class.code if r.catalog_class else None)
    draft = _draft_from_update(r, data)
    errors = _check(draft, policy)
    node = r.catalog_class
    dept = r.department
    assert dept is not None
    if data.class_code is not None and (node is None or data.class_code != node.code):
        node = resolve_class(db, data.class_code, dept)
        errors += _class_errors(node, dept)
    conflicts = _authority_conflicts(db, draft, r.id)
    if conflicts and not draft.claim_arbitration:
        errors += _conflict_errors(draft, conflicts)
    if errors:
        raise ValidationFailed(errors=errors)
    assert node is not None
    for key, value in _scalar_values(draft).items():
        setattr(r, key, value)
    if node.id != r.class_id:
        r.class_id, r.catalog_class = node.id, node
        if r.published_at is None:  # a published code is cited elsewhere: it never changes
            _allocate_code(db, r, node)
    old_names = [f.name for f in r.fields]
    old_specs = {f.name: history.field_snapshot(f) for f in r.fields}
    _apply_collections(db, r, draft, conflicts, replace_fields=data.fields is not None)
    if data.fields is not None:
        new_specs = {f.name: history.field_snapshot(f) for f in r.fields}
        if old_names != [f.name for f in r.fields] or old_specs != new_specs:
            r.schema_version += 1
    r.grade = _grade(r, policy)
    db.flush()
    _arbitrate_claims(db, r, draft, conflicts, by)
    changes = history.diff(before, history.snapshot(r, node.code))
    if changes:
        _record(db, r, "update", by, changes)
        _index(db, r, dept.name, _class_names(db, node))
    return r


def delete_resource(db: Session, resource_id: int, by: Principal) -> None:
    """Delete a draft that was never published (published codes are never reused or removed: retire them)."""
    r = get_resource(db, resource_id)
    _editable(r, by)
    if r.published_at is not None or r.state not in (State.DRAFT, State.RETURNED):
        raise Conflict("ledger.state.not_deletable")
    db.delete(r)
    db.flush()


def _draft_from(data: ResourceIn) -> _Draft:
    return _Draft(
        name=data.name.strip(),
        abstract=data.abstract.strip(),
        kind=data.kind.value,
        share_type=data.share_type.value,
        share_conditions=data.share_conditions.strip(),
        legal_basis=data.legal_basis.strip(),
        share_methods=list(dict.fromkeys(m.value for m in data.share_methods)),
        open_type=data.open_type.value,
        open_conditions=data.open_conditions.strip(),
        grade_floor=data.grade.value if data.grade else None,
        update_cycle=data.update_cycle.value,
        formats=list(dict.fromkeys(f.lower() for f in data.formats)),
        tags=list(dict.fromkeys(t for t in data.tags if t)),
        fields=list(data.fields),
        claim_arbitration=data.claim_arbitration,
    )


def field_in(f: Field) -> FieldIn:
    """A stored field as input again (to change one attribute and save the list back)."""
    return FieldIn(
        name=f.name,
        label=f.label,
        description=f.description,
        data_type=DataType(f.data_type),
        required=f.required,
        is_key=f.is_key,
        format=FieldFormat(f.format),
        code_list=list(f.code_list or []),
        min_value=f.min_value,
        max_value=f.max_value,
        max_length=f.max_length,
        unit=f.unit,
        sensitivity=Sensitivity(f.sensitivity),
        grade=Grade(f.grade_floor) if f.grade_floor else None,
        data_item=f.data_item,
        authoritative=f.authoritative,
        source_names=list(f.source_names or []),
    )


def _draft_from_update(r: Resource, data: ResourceUpdate) -> _Draft:
    def pick(value: Any, current: Any) -> Any:
        return current if value is None else value

    grade_floor = None if data.clear_grade else (data.grade.value if data.grade else r.grade_floor)
    return _Draft(
        name=pick(data.name, r.name).strip(),
        abstract=pick(data.abstract, r.abstract).strip(),
        kind=pick(data.kind, r.kind),
        share_type=pick(data.share_type, r.share_type),
        share_conditions=pick(data.share_conditions, r.share_conditions).strip(),
        legal_basis=pick(data.legal_basis, r.legal_basis).strip(),
        share_methods=list(dict.fromkeys(pick(data.share_methods, _split(r.share_methods)))),
        open_type=pick(data.open_type, r.open_type),
        open_conditions=pick(data.open_conditions, r.open_conditions).strip(),
        grade_floor=grade_floor,
        update_cycle=pick(data.update_cycle, r.update_cycle),
        formats=list(dict.fromkeys(x.lower() for x in pick(data.formats, [f.format for f in r.formats]))),
        tags=list(dict.fromkeys(pick(data.tags, [t.name for t in r.tags]))),
        fields=list(data.fields) if data.fields is not None else [field_in(f) for f in r.fields],
        claim_arbitration=data.claim_arbitration,
    )


def _split(text: str) -> list[str]:
    return [p for p in text.split(",") if p]


def _scalar_values(d: _Draft) -> dict[str, Any]:
    return {
        "name": d.name,
        "abstract": d.abstract,
        "kind": str(d.kind),
        "share_type": str(d.share_type),
        "share_conditions": d.share_conditions if d.share_type == ShareType.CONDITIONAL else "",
        "legal_basis": d.legal_basis if d.share_type == ShareType.NONE else "",
        "share_methods": ",".join(str(m) for m in d.share_methods),
        "format_list": ",".join(sorted(d.formats)),
        "open_type": str(d.open_type),
        "open_conditions": d.open_conditions if d.open_type == OpenType.CONDITIONAL else "",
        "grade_floor": d.grade_floor,
        "update_cycle": str(d.update_cycle),
    }


def _class_errors(node: CatalogClass | None, dept: Department) -> list[dict[str, Any]]:
    if node is None:
        return [_err("class_code", "unknown", "ledger.class.unknown")]
    if node.level < 3:
        return [_err("class_code", "too_broad", "ledger.class.too_broad")]
    if node.kind == "department" and node.department_id != dept.id:
        return [_err("class_code", "other_department", "ledger.class.other_department")]
    return []


def _conflict_errors(draft: _Draft, conflicts: dict[str, Resource]) -> list[dict[str, Any]]:
    out = []
    for i, f in enumerate(draft.fields):
        if f.authoritative and f.data_item in conflicts:
            holder = conflicts[f.data_item]
            out.append(
                _err(
                    f"fields.{i}.authoritative",
                    "authority_taken",
                    "ledger.authority.taken",
                    item=f.data_item,
                    holder=holder.code,
                )
            )
    return out


def _allocate_code(db: Session, r: Resource, node: CatalogClass) -> None:
    """Next sequence number in the class. The class row is locked first (PostgreSQL: SELECT … FOR UPDATE;
    SQLite has one writer at a time anyway), so concurrent registrations in one class queue up instead of
    colliding; the unique constraint on (class, seq) stays as the last guard."""
    repo.lock_class(db, node.id)
    seq = repo.max_seq(db, node.id) + 1
    r.seq, r.code = seq, _resource_code(node.code, seq)
    if r.id is None:
        db.add(r)
    db.flush()


def _apply_collections(
    db: Session, r: Resource, d: _Draft, conflicts: dict[str, Resource], *, replace_fields: bool = True
) -> None:
    current_tags = {t.name for t in r.tags}
    if current_tags != set(d.tags):
        r.tags = [t for t in r.tags if t.name in d.tags] + [
            ResourceTag(name=t) for t in d.tags if t not in current_tags
        ]
    current_formats = {f.format for f in r.formats}
    if current_formats != set(d.formats):
        r.formats = [f for f in r.formats if f.format in d.formats] + [
            ResourceFormat(format=x) for x in d.formats if x not in current_formats
        ]
    if not replace_fields:
        return
    wanted = {f.name: f for f in d.fields}
    # Release authority first, so that moving it between fields never trips the 一数一源 index mid-flush.
    released = False
    for f in r.fields:
        w = wanted.get(f.name)
        if f.authoritative and (w is None or not w.authoritative or w.data_item != f.data_item):
            f.authoritative = False
            released = True
    if released:
        db.flush()
    existing = {f.name: f for f in r.fields}
    removed = [f for f in r.fields if f.name not in wanted]
    if removed:
        for f in removed:
            r.fields.remove(f)
        db.flush()
    if r.id is not None and not r.fields and d.fields:
        # A new resource: one multi-row INSERT … RETURNING instead of an ORM insert per field.
        rows = [{"resource_id": r.id, **_field_values(spec, i, conflicts)} for i, spec in enumerate(d.fields)]
        created = db.scalars(insert(Field).returning(Field, sort_by_parameter_order=True), rows).all()
        set_committed_value(r, "fields", list(created))
        return
    ordered: list[Field] = []
    for position, spec in enumerate(d.fields):
        row = existing.get(spec.name) or Field(name=spec.name)
        for key, value in _field_values(spec, position, conflicts).items():
            setattr(row, key, value)
        ordered.append(row)
    r.fields = ordered


def _field_values(spec: FieldIn, position: int, conflicts: dict[str, Resource]) -> dict[str, Any]:
    return {
        "name": spec.name,
        "position": position,
        "label": spec.label.strip(),
        "description": spec.description.strip(),
        "data_type": spec.data_type.value,
        "required": spec.required or spec.is_key,
        "is_key": spec.is_key,
        "format": spec.format.value,
        "code_list": list(spec.code_list),
        "min_value": spec.min_value,
        "max_value": spec.max_value,
        "max_length": spec.max_length,
        "unit": spec.unit.strip(),
        "sensitivity": spec.sensitivity.value,
        "grade_floor": spec.grade.value if spec.grade else None,
        "data_item": spec.data_item,
        "authoritative": bool(spec.authoritative and spec.data_item and spec.data_item not in conflicts),
        "source_names": list(spec.source_names),
    }


def _grade(r: Resource, policy: GradePolicy) -> str:
    return max_grade(r.grade_floor, *(field_grade(f, policy) for f in r.fields)).value


def _arbitrate_claims(db: Session, r: Resource, d: _Draft, conflicts: dict[str, Resource], by: Principal) -> None:
    if not conflicts:
        return
    for f in d.fields:
        if f.authoritative and f.data_item in conflicts and repo.pending_arbitration(db, r.id, f.data_item) is None:
            db.add(
                Arbitration(
                    data_item=f.data_item,
                    claimant_resource_id=r.id,
                    claimant_field=f.name,
                    holder_resource_id=conflicts[f.data_item].id,
                    requested_by=actor_ref(by),
                )
            )
    db.flush()


def _record(
    db: Session,
    r: Resource,
    action: str,
    by: Principal,
    changes: list[dict[str, Any]],
    comment: str = "",
    *,
    first: bool = False,
) -> Change:
    now = utcnow()
    if not first:
        r.revision += 1
    r.metadata_modified = now
    change = Change(
        resource_id=r.id,
        revision=r.revision,
        action=action,
        at=now,
        user_id=by.id if by.kind == "user" else None,
        actor=actor_ref(by),
        comment=comment,
        diff=_jsonable(changes),
    )
    db.add(change)
    return change


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


# -- reads -----------------------------------------------------------------------------------------
def get_resource(db: Session, resource_id: int, viewer: Principal | None = None) -> Resource:
    """A resource with its fields, tags, formats, department and class loaded; ``viewer`` hides what they
    may not see (others' unpublished resources) as not found."""
    r = _in_session(db, resource_id) or repo.resource_by_id(db, resource_id)
    if r is None or (viewer is not None and not can_see(viewer, r)):
        raise NotFound("ledger.resource.not_found")
    return r


_RELATIONS = frozenset({"fields", "tags", "formats", "department", "catalog_class"})


def _in_session(db: Session, resource_id: int) -> Resource | None:
    """The resource when this unit of work already holds it fully loaded (saves six queries per step of a
    job that registers, submits and publishes in one go)."""
    obj = db.identity_map.get(identity_key(Resource, resource_id))
    if not isinstance(obj, Resource):
        return None
    state = inspect(obj)
    if state.expired or state.deleted or state.unloaded & _RELATIONS:
        return None
    return obj


def get_resource_by_code(db: Session, code: str, viewer: Principal | None = None) -> Resource:
    """Like :func:`get_resource`, by catalog code."""
    r = repo.resource_by_code(db, code)
    if r is None or (viewer is not None and not can_see(viewer, r)):
        raise NotFound("ledger.resource.not_found")
    return r


def can_see(viewer: Principal, r: Resource) -> bool:
    if r.state == State.PUBLISHED or r.state == State.RETIRED:
        return viewer.has(RESOURCE_VIEW)
    return _is_global(viewer) or viewer.has(RESOURCE_REVIEW) or viewer.department_id == r.department_id


def resource_schema(db: Session, code: str) -> ResourceSchema:
    """The resource's fields as the lake, the exchange and the registries see them (NotFound if unknown)."""
    r = repo.resource_by_code(db, code)
    if r is None:
        raise NotFound("ledger.resource.not_found")
    return ResourceSchema(
        code=r.code,
        name=r.name,
        department_code=r.department.code if r.department else "",
        fields=tuple(field_spec(f) for f in r.fields),
        update_cycle=UpdateCycle(r.update_cycle),
        version=r.schema_version,
    )


def field_spec(f: Field) -> FieldSpec:
    return FieldSpec(
        name=f.name,
        label=f.label,
        data_type=DataType(f.data_type),
        required=f.required,
        is_key=f.is_key,
        format=FieldFormat(f.format),
        code_list=tuple(f.code_list or ()),
        min_value=f.min_value,
        max_value=f.max_value,
        max_length=f.max_length,
        unit=f.unit,
        sensitivity=Sensitivity(f.sensitivity),
        data_item=f.data_item,
        source_names=tuple(f.source_names or ()),
    )


def history_of(db: Session, resource_id: int, viewer: Principal | None = None) -> list[Change]:
    get_resource(db, resource_id, viewer)
    return repo.list_changes(db, resource_id)


def authoritative_source(db: Session, data_item: str) -> tuple[Resource, Field] | None:
    """The resource (and its field) that is the one authoritative source of a data item, if any."""
    holders = repo.authority_holders(db, [data_item], None)
    r = holders.get(data_item)
    if r is None:
        return None
    full = get_resource(db, r.id)
    return full, next(f for f in full.fields if f.authoritative and f.data_item == data_item)


def mark_data_updated(db: Session, code: str, at: dt.datetime | None = None) -> None:
    """The lake tells the ledger that a resource's data changed (freshness); not a metadata change."""
    r = repo.resource_by_code(db, code)
    if r is None:
        raise NotFound("ledger.resource.not_found")
    r.data_updated_at = at or utcnow()
    db.flush()


# -- workflow: draft → submitted → published → retired, returned with comments ----------------------
def submit(db: Session, resource_id: int, by: Principal, *, policy: GradePolicy = DEFAULT_POLICY) -> Resource:
    """The department sends a complete draft (or a returned resource) to the data bureau for review."""
    r = get_resource(db, resource_id)
    _editable(r, by)
    _require_state(r, State.DRAFT, State.RETURNED)
    draft = _draft_from_update(r, ResourceUpdate())
    errors = _check(draft, policy, complete=True)
    if errors:
        raise ValidationFailed(errors=errors)
    return _transition(db, r, State.SUBMITTED, "submit", by, "", submitted_at=utcnow())


def withdraw(db: Session, resource_id: int, by: Principal) -> Resource:
    """Take a submitted resource back to draft before the bureau decides."""
    r = get_resource(db, resource_id)
    _editable(r, by)
    _require_state(r, State.SUBMITTED)
    return _transition(db, r, State.DRAFT, "withdraw", by, "")


def publish(db: Session, resource_id: int, by: Principal, comment: str = "") -> Resource:
    """The bureau publishes a submitted resource into the catalog."""
    r = _reviewable(db, resource_id, by)
    _require_state(r, State.SUBMITTED)
    return _transition(db, r, State.PUBLISHED, "publish", by, comment.strip(), published_at=utcnow(), review_comment="")


def return_resource(db: Session, resource_id: int, by: Principal, comment: str) -> Resource:
    """The bureau returns a submitted resource to its department with comments (required)."""
    if not comment.strip():
        raise ValidationFailed(errors=[_err("comment", "required", "ledger.review.comment_required")])
    r = _reviewable(db, resource_id, by)
    _require_state(r, State.SUBMITTED)
    return _transition(db, r, State.RETURNED, "return", by, comment.strip(), review_comment=comment.strip())


def retire(db: Session, resource_id: int, by: Principal, comment: str = "") -> Resource:
    """The bureau retires a published resource; its authoritative claims are released."""
    r = _reviewable(db, resource_id, by)
    _require_state(r, State.PUBLISHED)
    released = []
    for f in r.fields:
        if f.authoritative:
            f.authoritative = False
            released.append({"path": f"fields.{f.name}.authoritative", "old": True, "new": False})
    return _transition(db, r, State.RETIRED, "retire", by, comment.strip(), extra=released, retired_at=utcnow())


def _reviewable(db: Session, resource_id: int, by: Principal) -> Resource:
    if not by.has(RESOURCE_REVIEW):
        raise PermissionDenied()
    r = get_resource(db, resource_id)
    if r.harvested:
        raise Conflict("ledger.harvested.read_only")
    return r


def _require_state(r: Resource, *states: State) -> None:
    if r.state not in states:
        raise Conflict("ledger.state.invalid", params={"state": r.state})


def _transition(
    db: Session,
    r: Resource,
    state: State,
    action: str,
    by: Principal,
    comment: str,
    *,
    extra: list[dict[str, Any]] | None = None,
    **attrs: Any,
) -> Resource:
    changes = [{"path": "state", "old": r.state, "new": state.value}, *(extra or [])]
    r.state = state.value
    for key, value in attrs.items():
        setattr(r, key, value)
    _record(db, r, action, by, changes, comment)
    return r


# -- 一数一源 arbitration ----------------------------------------------------------------------------
def decide_arbitration(
    db: Session, arbitration_id: int, by: Principal, *, grant: bool, comment: str = ""
) -> Arbitration:
    """The bureau decides a second claim: grant moves the authority to the claimant, reject keeps it."""
    if not by.has(RESOURCE_REVIEW):
        raise PermissionDenied()
    a = repo.arbitration_by_id(db, arbitration_id)
    if a is None:
        raise NotFound("ledger.arbitration.not_found")
    if a.state != "pending":
        raise Conflict("ledger.arbitration.decided")
    if grant:
        claimant = get_resource(db, a.claimant_resource_id)
        target = next((f for f in claimant.fields if f.name == a.claimant_field and f.data_item == a.data_item), None)
        if target is None or claimant.state == State.RETIRED:
            raise Conflict("ledger.arbitration.stale")
        holders = repo.authority_holders(db, [a.data_item], claimant.id)
        holder = holders.get(a.data_item)
        if holder is not None:
            full = get_resource(db, holder.id)
            for f in full.fields:
                if f.authoritative and f.data_item == a.data_item:
                    f.authoritative = False
                    path = f"fields.{f.name}.authoritative"
                    db.flush()
                    _record(db, full, "authority_revoked", by, [{"path": path, "old": True, "new": False}], comment)
        target.authoritative = True
        db.flush()
        path = f"fields.{target.name}.authoritative"
        _record(db, claimant, "authority_granted", by, [{"path": path, "old": False, "new": True}], comment)
    a.state = "granted" if grant else "rejected"
    a.decided_by, a.decided_at, a.decision_comment = actor_ref(by), utcnow(), comment.strip()
    db.flush()
    return a


# -- search ----------------------------------------------------------------------------------------
def _class_names(db: Session, node: CatalogClass | None) -> list[str]:
    """Names of the class and the classes above it (类, 项, 目 …), for the search index."""
    if node is None:
        return []
    parts = node.code.split("-")
    return repo.class_names(db, ["-".join(parts[:i]) for i in range(1, len(parts) + 1)])


def _terms(r: Resource, department_name: str, class_names: list[str]) -> list[dict[str, Any]]:
    parts: list[tuple[str, str]] = [("name", r.name), ("abstract", r.abstract), ("code", r.code)]
    parts += [("department", department_name)]
    parts += [("class", n) for n in class_names]
    parts += [("tag", t.name) for t in r.tags]
    for f in r.fields:
        parts += [("field", f.label), ("field", f.name)]
    return [{"term": t, "resource_id": r.id, "weight": w} for t, w in fts.document_terms(parts).items()]


def _index(db: Session, r: Resource, department_name: str, class_names: list[str]) -> None:
    repo.delete_terms(db, [r.id])
    repo.add_terms(db, _terms(r, department_name, class_names))


def reindex(db: Session, resource_ids: list[int] | None = None) -> int:
    """Rebuild the search index (of some resources, or of all); returns how many were indexed."""
    from sqlalchemy import select

    ids = resource_ids if resource_ids is not None else list(db.scalars(select(Resource.id).order_by(Resource.id)))
    done = 0
    for start in range(0, len(ids), 500):
        for r in repo.resources_by_ids(db, ids[start : start + 500], full=True):
            dept = r.department.name if r.department else (r.origin_org or "")
            _index(db, r, dept, _class_names(db, r.catalog_class))
            done += 1
    db.flush()
    return done


@dataclass
class SearchResult:
    total: int
    items: list[Resource]
    scores: dict[int, float]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


FACETS = ("department", "class", "share_type", "open_type", "grade", "format", "kind")


def search(db: Session, query: ResourceQuery, viewer: Principal | None = None) -> SearchResult:
    """Full-text search with facet filters and paging. Published entries only, unless ``query.states`` asks
    for others — which a viewer sees for their own department (all of them with the review permission).
    ``viewer`` None: no department limits (the system, the publishers of the public catalog)."""
    terms = fts.query_terms(query.q)
    if query.q.strip() and not terms:
        return SearchResult(0, [], {}, {})
    all_states = viewer is None or _is_global(viewer) or viewer.has(RESOURCE_REVIEW)
    where = [
        repo.visible_clause(
            department_id=viewer.department_id if viewer else None,
            all_states=all_states,
            states=[s.value for s in query.states],
        )
    ]
    if query.department_id:
        where.append(Resource.department_id.in_(query.department_id))
    if query.share_type:
        where.append(Resource.share_type.in_([s.value for s in query.share_type]))
    if query.open_type:
        where.append(Resource.open_type.in_([s.value for s in query.open_type]))
    if query.grade:
        where.append(Resource.grade.in_([g.value for g in query.grade]))
    if query.kind:
        where.append(Resource.kind.in_([k.value for k in query.kind]))
    if query.origin == "local":
        where.append(Resource.origin_hub.is_(None))
    elif query.origin == "harvested":
        where.append(Resource.origin_hub.is_not(None))
    if query.modified_since is not None:
        where.append(repo.modified_since_clause(query.modified_since))
    if query.class_code:
        where.append(
            Resource.class_id.in_(repo.class_ids_under(db, [c.strip() for c in query.class_code if c.strip()]))
        )
    total, page, counts = repo.search(
        db,
        terms=terms,
        where=where,
        format_filter=[f.lower() for f in query.format],
        tag_filter=query.tag,
        phrase=query.q.strip(),
        sort=query.sort if (query.sort != "relevance" or terms) else "published",
        descending=query.descending,
        offset=query.offset,
        limit=query.limit,
        facets=query.facets,
    )
    items = repo.resources_by_ids(db, [i for i, _s in page])
    codes = repo.class_codes_of(db, [int(v) for v, _n in counts.get("class", [])]) if query.facets else {}
    return SearchResult(total, items, dict(page), _facets(counts, codes) if query.facets else {})


def _facets(counts: dict[str, list[tuple[str, int]]], class_codes: dict[int, str]) -> dict[str, list[tuple[str, int]]]:
    """Counts per facet value, most first; classes are counted at their 项 (e.g. 1-01 人口)."""
    out: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    for name, values in counts.items():
        for value, n in values:
            if name == "class":
                value = "-".join(class_codes.get(int(value), "").split("-")[:2])
            if value:
                out[name][value] += n
    return {name: c.most_common() for name, c in out.items()}


# -- what the publishers list ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Organisation:
    department: Department
    resources: int  # published


def list_organisations(db: Session) -> list[Organisation]:
    """Departments holding published resources, with how many (CKAN organisations)."""
    counts = repo.count_by(db, Resource.department_id, where=[Resource.state == State.PUBLISHED])
    depts = repo.departments_by_id(db)
    return [Organisation(depts[i], n) for i, n in sorted(counts.items(), key=lambda p: depts[p[0]].code) if i in depts]


@dataclass(frozen=True, slots=True)
class Group:
    catalog_class: CatalogClass
    resources: int  # published, in this class or below it


def list_groups(db: Session) -> list[Group]:
    """Catalog classes (类 and 项) with the number of published resources under each (CKAN groups)."""
    classes = list_classes(db)
    by_id = {c.id: c for c in classes}
    counts = repo.count_by(db, Resource.class_id, where=[Resource.state == State.PUBLISHED])
    totals: Counter[int] = Counter()
    for cid, n in counts.items():
        node = by_id.get(cid)
        while node is not None:
            totals[node.id] += n
            node = by_id.get(node.parent_id) if node.parent_id else None
    return [Group(c, totals[c.id]) for c in classes if c.level <= 2]


def list_tags(db: Session) -> list[tuple[str, int]]:
    """Tags of published resources with their counts, most used first."""
    return repo.tag_counts(db)


# -- federation ------------------------------------------------------------------------------------
def upsert_harvested_resource(
    db: Session, data: HarvestedResourceIn, *, policy: GradePolicy = DEFAULT_POLICY
) -> tuple[Resource, bool]:
    """Create or refresh an entry harvested from another hub (keyed by origin hub and id); returns the
    resource and whether anything changed. Authority (一数一源) is local: harvested fields never hold it."""
    r = repo.resource_by_origin(db, data.origin_hub, data.origin_id)
    taken = repo.resource_by_code(db, data.code)
    if taken is not None and (r is None or taken.id != r.id):
        raise Conflict("ledger.code.exists")
    node = repo.class_by_code(db, data.class_code) if data.class_code else None
    created = r is None
    before = None if r is None else history.snapshot(r, r.catalog_class.code if r.catalog_class else None)
    fields = [f.model_copy(update={"authoritative": False}) for f in data.fields]
    draft = _Draft(
        name=data.name.strip(),
        abstract=data.abstract.strip(),
        kind=data.kind.value,
        share_type=data.share_type.value,
        share_conditions=data.share_conditions,
        legal_basis=data.legal_basis,
        share_methods=[m.value for m in data.share_methods],
        open_type=data.open_type.value,
        open_conditions=data.open_conditions,
        grade_floor=data.grade.value,
        update_cycle=data.update_cycle.value,
        formats=list(dict.fromkeys(f.lower() for f in data.formats)),
        tags=list(dict.fromkeys(data.tags)),
        fields=fields,
    )
    now = utcnow()
    if r is None:
        r = Resource(
            code=data.code, origin_hub=data.origin_hub, origin_id=data.origin_id, revision=1, grade=data.grade.value
        )
        if data.uuid:
            r.uuid = data.uuid
        r.fields, r.tags, r.formats = [], [], []
        db.add(r)
    r.code = data.code
    for key, value in _scalar_values(draft).items():
        setattr(r, key, value)
    r.class_id = node.id if node else None
    r.catalog_class = node
    r.department_id, r.department = None, None
    r.origin_org = data.organisation
    r.origin_extras = _jsonable({**data.extras, "metadata_modified": data.metadata_modified})
    r.state = State.RETIRED.value if data.retired else State.PUBLISHED.value
    r.published_at = data.published_at or r.published_at or now
    r.harvested_at = now
    db.flush()
    _apply_collections(db, r, draft, {})
    r.grade = _grade(r, policy)
    db.flush()
    changes = history.diff(before, history.snapshot(r, node.code if node else None))
    if created or changes:
        _record(db, r, "harvest", SYSTEM, changes, data.origin_hub, first=created)
        _index(db, r, data.organisation, _class_names(db, node))
    return r, bool(created or changes)

"""Every query of the registries: lookups for pages and services, and the bulk writes of a build."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, Text, bindparam, cast, delete, func, insert, select, update
from sqlalchemy.orm import Session

from xingcheng.registries.models import (
    Address,
    AddressAlias,
    Build,
    Building,
    Company,
    CompanyAddress,
    CompanyName,
    Component,
    ComponentClass,
    House,
    Issue,
    Person,
    PersonLink,
    Place,
    Relation,
    RightHolder,
)

__all__ = [
    "address",
    "bulk_insert",
    "bulk_update",
    "bulk_writes",
    "company_by_uscc",
    "copy_rows",
    "count",
    "counts_by",
    "delete_all",
    "department_names",
    "house_holders",
    "issues_for",
    "lake_resource_with_key",
    "last_build",
    "list_issues",
    "max_id",
    "person",
    "person_by_no",
    "person_links",
    "person_relations",
    "places",
    "residents",
]

_CHUNK = 20_000


def bulk_insert(db: Session, model: type, rows: Iterable[dict[str, Any]], *, json_text: Sequence[str] = ()) -> int:
    """Insert rows in chunks (executemany); returns how many.

    ``json_text``: JSON columns whose values arrive already serialised (as DuckDB writes them), passed through
    as text and cast by the database rather than parsed and dumped again in Python.
    """
    # Core executemany, not the ORM's bulk path: one statement per chunk, no per-row bookkeeping.
    table = model.__table__  # type: ignore[attr-defined]
    n = 0
    batch: list[dict[str, Any]] = []

    sqlite = db.get_bind().dialect.name == "sqlite"

    def as_json(name: str) -> Any:
        text = bindparam(name, type_=Text)
        # SQLite stores JSON as text (a CAST to "JSON" would take numeric affinity); PostgreSQL casts it.
        return text if sqlite else cast(text, JSON)

    def flush() -> None:
        stmt = insert(table)
        if json_text:
            stmt = stmt.values({name: as_json(name) if name in json_text else bindparam(name) for name in batch[0]})
        db.execute(stmt, batch)

    for row in rows:
        batch.append(row)
        if len(batch) >= _CHUNK:
            flush()
            n += len(batch)
            batch = []
    if batch:
        flush()
        n += len(batch)
    return n


def copy_rows(
    db: Session,
    model: type,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    json_text: Sequence[str] = (),
    const: dict[str, Any] | None = None,
) -> int:
    """Insert many rows through the session's own connection, bypassing per-row statement work.

    Values go through each column type's bind processor (so dates and times are stored exactly as the ORM
    stores them); ``json_text`` columns arrive serialised; ``const`` (column → value) is appended to every row,
    converted once. PostgreSQL gets ``COPY … FROM STDIN``, SQLite a plain DB-API ``executemany`` — both inside
    the session's transaction. Rows whose columns need no conversion pass through untouched.
    """
    table = model.__table__  # type: ignore[attr-defined]
    conn = db.connection()
    dialect = conn.dialect

    def processor(name: str) -> Any:
        return None if name in json_text else table.c[name].type.bind_processor(dialect)

    extra = const or {}
    tail = tuple(v if (p := processor(k)) is None or v is None else p(v) for k, v in extra.items())
    converting = [(i, p) for i, name in enumerate(columns) if (p := processor(name)) is not None]
    names_all = [*columns, *extra]

    def converted() -> Iterator[Sequence[Any]]:
        if not converting and not tail:
            yield from rows
            return
        for row in rows:
            if converting:
                row = list(row)
                for i, p in converting:
                    if row[i] is not None:
                        row[i] = p(row[i])
            yield (*row, *tail)

    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in names_all)
    raw = conn.connection.driver_connection
    n = 0
    if dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in converted():
                copy.write_row(row)
                n += 1
        return n
    cur = raw.cursor()
    try:
        with _indexes_built_after(cur, table.name):
            batch: list[Sequence[Any]] = []
            sql = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({', '.join('?' for _ in names_all)})"  # noqa: S608
            for row in converted():
                batch.append(row)
                if len(batch) >= 50_000:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch = []
            if batch:
                cur.executemany(sql, batch)
                n += len(batch)
    finally:
        cur.close()
    return n


@contextmanager
def _indexes_built_after(cur: Any, table: str) -> Iterator[None]:
    """On SQLite, fill an *empty* table first and build its secondary indexes afterwards (one sort each instead of
    a B-tree insertion per row and index).

    The indexes are dropped and created again with their own stored SQL (``sqlite_master``), so the schema ends
    exactly as the migrations made it; unique constraints and the primary key stay in force throughout. Both
    statements are part of the session's transaction: a build that fails rolls them back with everything else.
    A table that already holds rows (an incremental build) keeps its indexes.
    """
    if cur.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0]:  # noqa: S608 - a model's table name
        yield
        return
    indexes = cur.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
    ).fetchall()
    for name, _sql in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        for _name, sql in indexes:
            cur.execute(sql)


@contextmanager
def bulk_writes(db: Session, cache_mib: int = 512) -> Iterator[None]:
    """Room for a build's bulk writes: on SQLite, a page cache of ``cache_mib`` for the session's connection while
    the block runs (restored afterwards), so that index pages stay in memory instead of being spilled to the
    journal and read back millions of times. Only memory changes: the same transaction, journal and sync
    settings, so a failed build still leaves nothing behind. PostgreSQL needs nothing here.
    """
    conn = db.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.driver_connection
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size = {-int(cache_mib) * 1024}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size = {int(before)}")


def bulk_update(db: Session, model: type, rows: Sequence[dict[str, Any]]) -> int:
    """Update rows by primary key (each dict carries the key)."""
    for start in range(0, len(rows), _CHUNK):
        db.execute(update(model), list(rows[start : start + _CHUNK]))
    return len(rows)


def delete_all(db: Session, *models: type) -> None:
    for model in models:
        db.execute(delete(model))


def max_id(db: Session, model: type) -> int:
    return db.scalar(select(func.max(model.id))) or 0


def count(db: Session, model: type, *where: Any) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def counts_by(db: Session, column: Any, *where: Any) -> dict[Any, int]:
    return dict(db.execute(select(column, func.count()).where(*where).group_by(column)).all())  # type: ignore[arg-type]


def last_build(db: Session, status: str | None = "done") -> Build | None:
    stmt = select(Build).order_by(Build.id.desc()).limit(1)
    if status:
        stmt = stmt.where(Build.status == status)
    return db.scalar(stmt)


def all_links(db: Session, model: type, key: str) -> list[tuple[str, str, int]]:
    return [tuple(r) for r in db.execute(select(model.source, model.record_id, getattr(model, key)))]  # type: ignore[misc]


def person(db: Session, person_id: int) -> Person | None:
    return db.get(Person, person_id)


def person_by_no(db: Session, person_no: str) -> Person | None:
    return db.scalar(select(Person).where(Person.person_no == person_no))


def person_by_id_number(db: Session, id_number: str) -> Person | None:
    return db.scalar(select(Person).where(Person.id_number == id_number, Person.state == "active"))


def person_state(db: Session) -> list[tuple[int, str, str, str | None]]:
    """(id, state, digest, address code) of every person."""
    return [tuple(r) for r in db.execute(select(Person.id, Person.state, Person.digest, Person.address_code))]  # type: ignore[misc]


def person_links(db: Session, person_id: int) -> list[PersonLink]:
    return list(db.scalars(select(PersonLink).where(PersonLink.person_id == person_id).order_by(PersonLink.source)))


def person_relations(db: Session, person_id: int) -> list[tuple[Relation, Person]]:
    rows = db.execute(
        select(Relation, Person).join(Person, Person.id == Relation.other_id).where(Relation.person_id == person_id)
    ).all()
    return [(r, p) for r, p in rows]


def household_members(db: Session, household_no: str) -> list[Person]:
    return list(
        db.scalars(
            select(Person).where(Person.household_no == household_no, Person.state == "active").order_by(Person.id)
        )
    )


def issues_for(db: Session, registry: str, entity_ref: str, status: str | None = "open") -> list[Issue]:
    stmt = select(Issue).where(Issue.registry_name == registry, Issue.entity_ref == entity_ref).order_by(Issue.id)
    if status:
        stmt = stmt.where(Issue.status == status)
    return list(db.scalars(stmt))


def list_issues(
    db: Session,
    *,
    department_code: str | None = None,
    registry: str | None = None,
    kind: str | None = None,
    status: str = "open",
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[Issue]]:
    where: list[Any] = [Issue.status == status]
    if department_code:
        where.append(Issue.department_code == department_code)
    if registry:
        where.append(Issue.registry_name == registry)
    if kind:
        where.append(Issue.kind == kind)
    total = db.scalar(select(func.count()).select_from(Issue).where(*where)) or 0
    rows = db.scalars(select(Issue).where(*where).order_by(Issue.id).offset(offset).limit(limit))
    return total, list(rows)


def open_issue_keys(db: Session) -> list[tuple[Any, ...]]:
    """(id, registry, entity ref, kind, attribute, source, record id, value) of every open issue."""
    return [
        tuple(r)
        for r in db.execute(
            select(
                Issue.id,
                Issue.registry_name,
                Issue.entity_ref,
                Issue.kind,
                Issue.attribute,
                Issue.source,
                Issue.record_id,
                Issue.value,
            ).where(Issue.status == "open")
        )
    ]


def issue_summary(db: Session) -> list[tuple[str, str, str, int]]:
    rows = db.execute(
        select(Issue.registry_name, Issue.department_code, Issue.kind, func.count())
        .where(Issue.status == "open")
        .group_by(Issue.registry_name, Issue.department_code, Issue.kind)
        .order_by(Issue.registry_name, Issue.department_code, Issue.kind)
    ).all()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def company_by_uscc(db: Session, code: str) -> Company | None:
    return db.scalar(select(Company).where(Company.uscc == code))


def company(db: Session, company_id: int) -> Company | None:
    return db.get(Company, company_id)


def company_state(db: Session) -> dict[str, tuple[int, str, str, str | None]]:
    rows = db.execute(select(Company.uscc, Company.id, Company.state, Company.name, Company.address_code))
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}


def company_history(db: Session, company_id: int) -> tuple[list[CompanyName], list[CompanyAddress]]:
    names = db.scalars(select(CompanyName).where(CompanyName.company_id == company_id).order_by(CompanyName.id))
    addrs = db.scalars(
        select(CompanyAddress).where(CompanyAddress.company_id == company_id).order_by(CompanyAddress.id)
    )
    return list(names), list(addrs)


def address(db: Session, code: str) -> Address | None:
    found = db.get(Address, code)
    if found is None:
        alias = db.get(AddressAlias, code)
        if alias is not None:
            found = db.get(Address, alias.address_code)
    return found


def places(db: Session, level: str, parent_code: str | None = None) -> list[Place]:
    stmt = select(Place).where(Place.level == level).order_by(Place.code)
    if parent_code:
        stmt = stmt.where(Place.parent_code == parent_code)
    return list(db.scalars(stmt))


def place(db: Session, code: str) -> Place | None:
    return db.get(Place, code)


def component_classes(db: Session) -> list[ComponentClass]:
    return list(db.scalars(select(ComponentClass).order_by(ComponentClass.code)))


def components(
    db: Session, *, class_code: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[int, list[Component]]:
    where = [Component.class_code == class_code] if class_code else []
    total = db.scalar(select(func.count()).select_from(Component).where(*where)) or 0
    rows = db.scalars(select(Component).where(*where).order_by(Component.id).offset(offset).limit(limit))
    return total, list(rows)


def house_by_address(db: Session, code: str) -> House | None:
    return db.scalar(select(House).where(House.address_code == code))


def building_by_address(db: Session, code: str) -> Building | None:
    return db.scalar(select(Building).where(Building.address_code == code))


def house_holders(db: Session, house_id: int) -> list[RightHolder]:
    return list(db.scalars(select(RightHolder).where(RightHolder.house_id == house_id).order_by(RightHolder.id)))


def houses_of_person(db: Session, person_id: int) -> list[House]:
    return list(
        db.scalars(
            select(House).join(RightHolder, RightHolder.house_id == House.id).where(RightHolder.person_id == person_id)
        )
    )


def residents(db: Session, address_code: str) -> list[Person]:
    return list(
        db.scalars(
            select(Person).where(Person.address_code == address_code, Person.state == "active").order_by(Person.id)
        )
    )


def address_by_text(db: Session, full_address: str) -> Address | None:
    return db.scalar(select(Address).where(Address.full_address == full_address).order_by(Address.code).limit(1))


def roads_of(db: Session, district_code: str) -> list[str]:
    return [r for (r,) in db.execute(select(Address.road).where(Address.district_code == district_code).distinct())]


def gazetteer_rows(db: Session, district_code: str, road: str) -> list[tuple[Any, ...]]:
    """Rows for :class:`~xingcheng.registries.addresses.AddressIndex`, restricted to one road of one district."""
    district = db.get(Place, district_code)
    rows = db.execute(
        select(
            Address.code,
            Address.level,
            Address.district_code,
            Address.road,
            Address.door_no,
            Address.estate,
            Address.building,
            Address.unit,
            Address.room,
        ).where(Address.district_code == district_code, Address.road == road)
    )
    name = district.name if district else None
    return [(c, lv, dc, name, rd, dn, es, b, u, rm) for c, lv, dc, rd, dn, es, b, u, rm in rows]


def department_names(db: Session) -> dict[str, str]:
    """Department code → name (identity), to show whom an issue is addressed to."""
    from xingcheng.identity.models import Department

    return dict(db.execute(select(Department.code, Department.name)).all())  # type: ignore[arg-type]


def lake_resource_with_key(db: Session, key_column: str) -> str | None:
    """The ledger resource whose key field is named ``key_column`` and that has a version in the lake."""
    from xingcheng.lake.models import LakeVersion
    from xingcheng.ledger.models import Field, Resource

    return db.scalar(
        select(Resource.code)
        .join(Field, Field.resource_id == Resource.id)
        .join(LakeVersion, LakeVersion.resource_code == Resource.code)
        .where(Field.name == key_column, Field.is_key.is_(True), LakeVersion.expired_at.is_(None))
        .order_by(Resource.id.desc())
        .limit(1)
    )

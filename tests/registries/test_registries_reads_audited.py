"""Registry reads go through the exchange's audit log: each read of a record is an entry before anything
is served, and when the entry cannot be written the page answers 503 with no personal data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from registry_helpers import EditedSources, grant_registry, login_as
from sqlalchemy import select

from xingcheng.core.db import Database
from xingcheng.exchange.audit.verify import verify_log
from xingcheng.exchange.models import AuditEntry
from xingcheng.exchange.runtime import runtime_for
from xingcheng.registries import service
from xingcheng.registries.models import Person
from xingcheng.registries.sources import FileSources
from xingcheng.standards import masking

from support import audit_inserts_fail


def _person(app: Any, database: Database, city: Path, models: Any, department_id: int) -> Person:
    grant_registry(app, database, "person", department_id)
    with database.session() as db:
        service.run_build(db, EditedSources(FileSources(city)), models=models)
    with database.session() as db:
        return db.scalar(select(Person).where(Person.id_number.is_not(None)).order_by(Person.id).limit(1))


def _reads(database: Database) -> list[AuditEntry]:
    with database.session() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.kind == "read").order_by(AuditEntry.seq)))


def test_every_registry_read_is_an_audit_entry(
    app: Any, client: Any, cast: Any, database: Database, city: Path, models: Any
) -> None:
    person = _person(app, database, city, models, cast.department_id)
    login_as(client, "case-handler")
    assert client.get(f"/registries/persons/{person.person_no}", headers={"accept": "text/html"}).status_code == 200
    assert client.get(f"/api/registries/persons/{person.person_no}").status_code == 200
    reads = _reads(database)
    assert len(reads) == 2
    for entry in reads:
        assert entry.action == "registry.person" and entry.outcome == "ok" and entry.grant_id is not None
        assert entry.actor.startswith("user:") and entry.detail == {"ref": person.person_no, "unmasked": []}
        assert "id_number" in entry.fields and person.id_number not in str(entry.detail)
    with database.session() as db:
        assert verify_log(db, runtime_for(app).audit.key).ok


def test_no_registry_read_is_served_when_it_cannot_be_audited(
    app: Any, client: Any, cast: Any, database: Database, city: Path, models: Any
) -> None:
    person = _person(app, database, city, models, cast.department_id)
    login_as(client, "case-handler")
    with audit_inserts_fail(database):
        for url in (f"/api/registries/persons/{person.person_no}", f"/registries/persons/{person.person_no}"):
            r = client.get(url, headers={"accept": "application/json" if url.startswith("/api") else "text/html"})
            assert r.status_code == 503
            assert masking.mask_id_number(person.id_number) not in r.text
            assert masking.mask_name(person.name) not in r.text
    assert _reads(database) == []

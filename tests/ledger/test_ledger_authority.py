"""一数一源: one authoritative resource per data item; a second claim is refused or goes to the bureau."""

from __future__ import annotations

import pytest
from ledger_factories import field, register, resource_in

from xingcheng.core.errors import Conflict, ValidationFailed
from xingcheng.ledger import repository as repo
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schemas import ResourceUpdate

BIRTH = [
    field(
        "csrq", "出生日期", data_type="date", sensitivity="personal", data_item="person.birth_date", authoritative=True
    )
]


def test_second_claim_is_refused_naming_the_holder(database, cast) -> None:
    holder = register(database, cast.department_id, "常住人口户籍信息", fields=BIRTH)
    with database.session() as db, pytest.raises(ValidationFailed) as info:
        ledger.create_resource(db, resource_in(cast.other_department_id, "出生医学证明", fields=BIRTH), ledger.SYSTEM)
    error = info.value.errors[0]
    assert error["field"] == "fields.0.authoritative" and error["code"] == "authority_taken"
    assert error["params"] == {"item": "person.birth_date", "holder": holder.code}


def test_second_claim_sent_to_arbitration_and_granted(database, cast) -> None:
    holder = register(database, cast.department_id, "常住人口户籍信息", fields=BIRTH, publish=True)
    with database.session() as db:
        claimant = ledger.create_resource(
            db,
            resource_in(
                cast.other_department_id, "出生医学证明", class_code="1-01-003", fields=BIRTH, claim_arbitration=True
            ),
            ledger.SYSTEM,
        )
        assert not claimant.fields[0].authoritative  # not until the bureau decides
        pending = repo.list_arbitrations(db)
        assert [(a.data_item, a.holder_resource_id) for a in pending] == [("person.birth_date", holder.id)]
        ledger.decide_arbitration(db, pending[0].id, ledger.SYSTEM, grant=True, comment="出生证明为源头")
        with pytest.raises(Conflict):
            ledger.decide_arbitration(db, pending[0].id, ledger.SYSTEM, grant=False)
        source = ledger.authoritative_source(db, "person.birth_date")
        assert source is not None and source[0].id == claimant.id and source[1].name == "csrq"
        assert ledger.history_of(db, holder.id)[0].action == "authority_revoked"
        assert ledger.history_of(db, claimant.id)[0].action == "authority_granted"


def test_rejected_claim_keeps_the_holder(database, cast) -> None:
    holder = register(database, cast.department_id, "常住人口户籍信息", fields=BIRTH)
    register(
        database, cast.other_department_id, "出生医学证明", class_code="1-01-003", fields=BIRTH, claim_arbitration=True
    )
    with database.session() as db:
        a = repo.list_arbitrations(db)[0]
        ledger.decide_arbitration(db, a.id, ledger.SYSTEM, grant=False, comment="户籍为准")
        assert ledger.authoritative_source(db, "person.birth_date")[0].id == holder.id
        assert repo.list_arbitrations(db) == []


def test_retiring_releases_authority_and_the_item_can_be_claimed(database, cast) -> None:
    holder = register(database, cast.department_id, "常住人口户籍信息", fields=BIRTH, publish=True)
    with database.session() as db:
        ledger.retire(db, holder.id, ledger.SYSTEM)
        assert ledger.authoritative_source(db, "person.birth_date") is None
    register(database, cast.other_department_id, "出生医学证明", class_code="1-01-003", fields=BIRTH)


def test_claims_within_one_batch_and_one_resource(database, cast) -> None:
    with database.session() as db:
        with pytest.raises(ValidationFailed) as info:
            ledger.create_many(
                db,
                [
                    resource_in(cast.department_id, "甲资源", fields=BIRTH),
                    resource_in(cast.department_id, "乙资源", fields=BIRTH),
                ],
                ledger.SYSTEM,
            )
        assert [(e["item"], e["code"]) for e in info.value.errors] == [(1, "authority_taken")]
        twice = [*BIRTH, field("csrq2", "出生日期2", data_item="person.birth_date", authoritative=True)]
        with pytest.raises(ValidationFailed) as info:
            ledger.create_resource(db, resource_in(cast.department_id, fields=twice), ledger.SYSTEM)
        assert info.value.errors[0]["field"] == "fields.1.authoritative"


def test_moving_authority_between_fields_of_one_resource(database, cast) -> None:
    r = register(
        database,
        cast.department_id,
        fields=[*BIRTH, field("csrq_old", "出生日期（旧）", data_item="person.birth_date")],
    )
    with database.session() as db:
        ledger.update_resource(
            db,
            r.id,
            ResourceUpdate(
                fields=[
                    field("csrq", "出生日期", data_item="person.birth_date"),
                    field("csrq_old", "出生日期（旧）", data_item="person.birth_date", authoritative=True),
                ]
            ),
            ledger.SYSTEM,
        )
        assert ledger.authoritative_source(db, "person.birth_date")[1].name == "csrq_old"

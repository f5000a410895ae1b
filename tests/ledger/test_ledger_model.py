"""The resource model: codes, grades 就高从严, share and open rules, the state machine, history, the schema
contract with the lake, harvested entries being read-only."""

from __future__ import annotations

import pytest
from ledger_factories import field, register, resource_in

from xingcheng.core.errors import Conflict, PermissionDenied, ValidationFailed
from xingcheng.ledger import service as ledger
from xingcheng.ledger.schema import FieldFormat, Sensitivity
from xingcheng.ledger.schemas import HarvestedResourceIn, ResourceUpdate
from xingcheng.ledger.vocab import Grade


def test_code_is_class_path_plus_sequence(database, cast) -> None:
    a = register(database, cast.department_id, "常住人口基本信息")
    b = register(database, cast.department_id, "户籍迁移信息")
    c = register(database, cast.department_id, "本局统计年报", class_code="3-004", fields=[field("nd", "年度")])
    assert a.code == "1-01-001-000-000001"
    assert b.code == "1-01-001-000-000002"
    assert c.code.startswith("3-01-004-000-") and c.code.endswith("000001")  # the department's own 项 under 类 3


def test_grade_is_the_highest_of_its_fields_and_never_lower(database, cast) -> None:
    plain = register(database, cast.department_id, "道路名录", fields=[field("mc", "名称")], share_type="unconditional")
    assert plain.grade == Grade.GENERAL
    sensitive = register(database, cast.department_id)  # an ID number: sensitive personal information
    assert sensitive.grade == Grade.IMPORTANT
    core = register(
        database,
        cast.department_id,
        "人防工程",
        fields=[field("bh", "编号"), field("wz", "位置", grade="core")],
        share_type="unconditional",
    )
    assert core.grade == Grade.CORE
    floor = register(database, cast.department_id, "指挥体系", grade="core", fields=[field("x", "甲")])
    assert floor.grade == Grade.CORE


def test_grade_policy_is_configurable_but_sensitive_is_at_least_important() -> None:
    policy = ledger.GradePolicy(personal=Grade.IMPORTANT, sensitive=Grade.GENERAL)
    assert policy.for_sensitivity(Sensitivity.PERSONAL) == Grade.IMPORTANT
    assert policy.for_sensitivity(Sensitivity.SENSITIVE) == Grade.IMPORTANT
    assert ledger.GradePolicy(sensitive=Grade.CORE).for_sensitivity(Sensitivity.SENSITIVE) == Grade.CORE


@pytest.mark.parametrize(
    ("changes", "field_path"),
    [
        ({"share_type": "conditional", "share_conditions": ""}, "share_conditions"),
        ({"share_type": "none", "share_methods": []}, "legal_basis"),
        ({"share_methods": []}, "share_methods"),
        ({"open_type": "unconditional"}, "open_type"),  # sensitive fields are never opened
        ({"open_type": "conditional", "open_conditions": "x"}, "open_type"),
        ({"class_code": "9-99-999"}, "class_code"),
        ({"class_code": "1-01"}, "class_code"),  # a 项 is too broad: resources sit at 目 or below
    ],
)
def test_invalid_combinations_are_refused_with_the_field(database, cast, changes, field_path) -> None:
    with database.session() as db, pytest.raises(ValidationFailed) as info:
        ledger.create_resource(db, resource_in(cast.department_id, **changes), ledger.SYSTEM)
    assert field_path in {e["field"] for e in info.value.errors}


def test_personal_data_may_be_opened_only_on_conditions(database, cast) -> None:
    fields = [field("xm", "姓名", sensitivity="personal")]
    with database.session() as db:
        with pytest.raises(ValidationFailed):
            ledger.create_resource(
                db, resource_in(cast.department_id, fields=fields, open_type="unconditional"), ledger.SYSTEM
            )
        r = ledger.create_resource(
            db,
            resource_in(cast.department_id, fields=fields, open_type="conditional", open_conditions="经申请"),
            ledger.SYSTEM,
        )
        assert r.open_type == "conditional"


def test_workflow_with_return_and_comments(database, cast) -> None:
    r = register(database, cast.department_id)
    with database.session() as db:
        with pytest.raises(Conflict):
            ledger.publish(db, r.id, ledger.SYSTEM)  # a draft is not published without review
        ledger.submit(db, r.id, ledger.SYSTEM)
        with pytest.raises(Conflict):
            ledger.update_resource(db, r.id, ResourceUpdate(name="改名"), ledger.SYSTEM)  # locked in review
        with pytest.raises(ValidationFailed):
            ledger.return_resource(db, r.id, ledger.SYSTEM, "  ")
        ledger.return_resource(db, r.id, ledger.SYSTEM, "请补充共享条件")
        assert ledger.get_resource(db, r.id).review_comment == "请补充共享条件"
        ledger.update_resource(db, r.id, ResourceUpdate(share_conditions="限于户籍核验"), ledger.SYSTEM)
        ledger.submit(db, r.id, ledger.SYSTEM)
        ledger.publish(db, r.id, ledger.SYSTEM)
        ledger.retire(db, r.id, ledger.SYSTEM, "已整合")
        with pytest.raises(Conflict):
            ledger.update_resource(db, r.id, ResourceUpdate(name="改名"), ledger.SYSTEM)
        actions = [c.action for c in ledger.history_of(db, r.id)]
    assert actions == ["retire", "publish", "submit", "update", "return", "submit", "create"]


def test_submit_needs_fields_and_an_abstract(database, cast) -> None:
    r = register(database, cast.department_id, fields=[], abstract="")
    with database.session() as db, pytest.raises(ValidationFailed) as info:
        ledger.submit(db, r.id, ledger.SYSTEM)
    assert {e["field"] for e in info.value.errors} == {"fields", "abstract"}


def test_history_records_who_and_a_diff(app, database, cast) -> None:
    r = register(database, cast.department_id)
    with database.session() as db:
        admin = _principal(app, db, cast, "data_admin")
        ledger.update_resource(
            db,
            r.id,
            ResourceUpdate(
                tags=["人口", "户籍"],
                fields=[
                    field("sfzh", "公民身份号码", sensitivity="sensitive", is_key=True, required=True),
                    field("xm", "姓名", sensitivity="sensitive"),
                ],
            ),
            admin,
        )
        latest = ledger.history_of(db, r.id)[0]
        resource = ledger.get_resource(db, r.id)
    paths = {d["path"]: d for d in latest.diff}
    assert latest.actor == f"user:{cast.users['data_admin']}" and latest.action == "update"
    assert paths["tags"]["new"] == ["人口", "户籍"]
    assert paths["fields.xm.sensitivity"] == {"path": "fields.xm.sensitivity", "old": "personal", "new": "sensitive"}
    assert "fields.sfzh.format" in paths  # the format was dropped in this version of the list
    assert resource.revision == 2 and resource.schema_version == 2


def test_optimistic_revision_check(database, cast) -> None:
    r = register(database, cast.department_id)
    with database.session() as db, pytest.raises(Conflict):
        ledger.update_resource(db, r.id, ResourceUpdate(name="新名称", expected_revision=7), ledger.SYSTEM)


def test_department_scope(app, database, cast) -> None:
    with database.session() as db:
        admin = _principal(app, db, cast, "data_admin")  # of the cast's first department
        with pytest.raises(ValidationFailed) as info:
            ledger.create_resource(db, resource_in(cast.other_department_id), admin)
        assert info.value.errors[0]["code"] == "other_department"
    r = register(database, cast.other_department_id, "出生医学证明", class_code="1-01-003")
    with database.session() as db:
        admin = _principal(app, db, cast, "data_admin")
        with pytest.raises(PermissionDenied):
            ledger.update_resource(db, r.id, ResourceUpdate(name="改名"), admin)
        analyst = _principal(app, db, cast, "analyst")
        with pytest.raises(PermissionDenied):
            ledger.create_resource(db, resource_in(cast.department_id), analyst)


def test_resource_schema_is_the_lake_contract(database, cast) -> None:
    r = register(database, cast.department_id)
    with database.session() as db:
        schema = ledger.resource_schema(db, r.code)
        with pytest.raises(Exception) as info:
            ledger.resource_schema(db, "9-99-999-000-000001")
    assert info.value.__class__.__name__ == "NotFound"
    assert schema.code == r.code and schema.department_code == "gaj"
    assert schema.key == ("sfzh",)
    assert schema.field("sfzh").format is FieldFormat.ID_NUMBER
    assert schema.field("sfzh").personal and schema.field("sfzh").required


def test_drafts_can_be_deleted_but_published_ones_only_retired(database, cast) -> None:
    draft = register(database, cast.department_id, "草稿资源")
    published = register(database, cast.department_id, "已发布资源", publish=True)
    with database.session() as db:
        ledger.delete_resource(db, draft.id, ledger.SYSTEM)
        with pytest.raises(Conflict):
            ledger.delete_resource(db, published.id, ledger.SYSTEM)


def test_harvested_entries_are_read_only_and_upserted(database, cast) -> None:
    data = HarvestedResourceIn(
        origin_hub="https://zhuzhou.example",
        origin_id="abc",
        code="zz-1-01-001-000-000001",
        name="株洲市常住人口信息",
        organisation="株洲市公安局",
        class_code="1-01-001",
        fields=[
            field("sfzh", "公民身份号码", sensitivity="sensitive", data_item="person.id_number", authoritative=True)
        ],
    )
    with database.session() as db:
        r, changed = ledger.upsert_harvested_resource(db, data)
        assert changed and r.harvested and r.state == "published" and r.grade == "important"
        assert not r.fields[0].authoritative  # 一数一源 is local; a peer's claim is not ours
        _r, changed = ledger.upsert_harvested_resource(db, data)
        assert not changed
        again, changed = ledger.upsert_harvested_resource(db, data.model_copy(update={"name": "株洲市户籍人口信息"}))
        assert changed and again.id == r.id and again.name == "株洲市户籍人口信息"
        with pytest.raises(Conflict):
            ledger.update_resource(db, r.id, ResourceUpdate(name="x" * 3), ledger.SYSTEM)
        with pytest.raises(Conflict):
            ledger.retire(db, r.id, ledger.SYSTEM)


def _principal(app, db, cast, role: str):
    from xingcheng.identity.repository import user_by_id

    return app.state.identity.principal_for_user(user_by_id(db, cast.users[role]))


def test_a_field_declared_in_code_is_registered_with_everything_it_carries() -> None:
    from dataclasses import fields as dc_fields

    from xingcheng.ledger.schema import DataType, FieldFormat, FieldSpec, Sensitivity
    from xingcheng.ledger.schemas import FieldIn

    spec = FieldSpec(
        name="phone",
        label="联系电话",
        data_type=DataType.CODE,
        required=True,
        is_key=True,
        format=FieldFormat.PHONE,
        code_list=("a", "b"),
        min_value=1.0,
        max_value=9.0,
        max_length=11,
        unit="个",
        sensitivity=Sensitivity.PERSONAL,
        data_item="person.phone",
        source_names=("手机号",),
    )
    given = FieldIn.from_spec(spec)
    for f in dc_fields(FieldSpec):  # a field FieldSpec gains must be carried too
        value = getattr(spec, f.name)
        assert getattr(given, f.name) == (list(value) if isinstance(value, tuple) else value), f.name

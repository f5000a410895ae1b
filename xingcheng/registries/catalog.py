"""The five registries as resources of the data ledger (数据一本帐), so the exchange can grant them.

Each registry is one catalog entry of the data bureau (the department of kind ``bureau``), shared on
conditions (有条件共享), published: its fields are the attributes a registry page or JSON route delivers,
with their sensitivities and data items, so a grant names the fields shown and the fields unmasked, and a
row scope (``district_code``) limits the records. Registering is idempotent: each entry carries the tag
``registry.<name>``, found again by the ledger's tag search. That tag is also the marker for the rest of
the hub: a registry resource holds no lake table, its records are read through the registries' pages and
JSON routes (behind the exchange's read policy), never through the lake-served data services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from xingcheng.ledger.schema import DataType, FieldFormat, FieldSpec, Sensitivity, UpdateCycle

__all__ = [
    "REGISTRIES",
    "RegistryEntry",
    "ensure_registered",
    "is_registry_resource",
    "registry_of",
    "resource_for",
    "tag_of",
]

TAG_PREFIX: Final = "registry."

_S, _D, _C = DataType.STRING, DataType.DATE, DataType.CODE
_NONE, _PERSONAL, _SENSITIVE = Sensitivity.NONE, Sensitivity.PERSONAL, Sensitivity.SENSITIVE


def _f(
    name: str,
    label: str,
    sensitivity: Sensitivity = _NONE,
    *,
    data_type: DataType = _S,
    fmt: FieldFormat = FieldFormat.NONE,
    item: str | None = None,
    key: bool = False,
) -> FieldSpec:
    return FieldSpec(
        name=name,
        label=label,
        data_type=data_type,
        required=key,
        is_key=key,
        format=fmt,
        sensitivity=sensitivity,
        data_item=item,
    )


@dataclass(frozen=True, slots=True)
class RegistryEntry:
    """One registry as a catalog entry: its name, class (类-项-目), abstract and fields."""

    registry: str  # person | company | address | component | housing
    name: str
    class_code: str
    abstract: str
    fields: tuple[FieldSpec, ...]
    update_cycle: UpdateCycle = UpdateCycle.DAILY

    @property
    def tag(self) -> str:
        return tag_of(self.registry)


REGISTRIES: Final[tuple[RegistryEntry, ...]] = (
    RegistryEntry(
        "person",
        "人口基础库",
        "1-01-001",
        "全市人口的标准档案（一人一档）：由公安户籍、卫健出生医学证明、民政婚姻登记、人社养老保险、医保参保等部门数据经记录"
        "关联汇聚而成，每个属性按“一数一源”取权威来源，并保留其他来源的值和亲属、家庭关系。",
        (
            _f("person_no", "人口库编号", key=True),
            _f("id_number", "公民身份号码", _SENSITIVE, fmt=FieldFormat.ID_NUMBER, item="person.id_number"),
            _f("name", "姓名", _PERSONAL, item="person.name"),
            _f("sex", "性别", _PERSONAL, data_type=_C, item="person.sex"),
            _f("birth_date", "出生日期", _PERSONAL, data_type=_D, item="person.birth_date"),
            _f("ethnicity", "民族", _SENSITIVE, data_type=_C, item="person.ethnicity"),
            _f("phone", "联系电话", _PERSONAL, fmt=FieldFormat.PHONE, item="person.phone"),
            _f("address", "户籍地址", _PERSONAL, item="person.registered_address"),
            _f("marital_status", "婚姻状况", _PERSONAL, data_type=_C, item="person.marital_status"),
            _f("district_code", "所在区县代码", fmt=FieldFormat.DIVISION_CODE),
        ),
    ),
    RegistryEntry(
        "company",
        "法人基础库",
        "1-02-001",
        "全市企业和组织的标准档案：以统一社会信用代码为键，由市场监管登记、税务登记等部门数据汇聚而成，含历史名称和住所。",
        (
            _f("uscc", "统一社会信用代码", fmt=FieldFormat.USCC, item="company.uscc", key=True),
            _f("name", "名称", item="company.name"),
            _f("entity_type", "市场主体类型", data_type=_C),
            _f("status", "登记状态", data_type=_C),
            _f("established", "成立日期", data_type=_D),
            _f("capital", "注册资本（万元）", data_type=DataType.DECIMAL),
            _f("address", "住所", item="company.address"),
            _f("legal_rep", "法定代表人姓名", _PERSONAL, item="company.legal_rep_name"),
            _f("district_code", "所在区县代码", fmt=FieldFormat.DIVISION_CODE),
        ),
    ),
    RegistryEntry(
        "address",
        "标准地址库",
        "1-03-001",
        "自然资源和空间地理基础库的标准地址：区县—街镇—社区—道路—门牌—楼栋—单元—户室，带编码、坐标和网格，"
        "以及地址上的房屋权利人和居住人（姓名按授权脱敏）。",
        (
            _f("code", "标准地址编码", key=True),
            _f("full_address", "标准地址", item="address.full_address"),
            _f("level", "地址级别", data_type=_C),
            _f("road", "道路"),
            _f("door_no", "门牌号"),
            _f("estate", "小区"),
            _f("building", "楼栋"),
            _f("unit", "单元"),
            _f("room", "户室"),
            _f("lon", "经度", data_type=DataType.DECIMAL),
            _f("lat", "纬度", data_type=DataType.DECIMAL),
            _f("district_code", "区县代码", fmt=FieldFormat.DIVISION_CODE),
            _f("township_code", "街道（乡镇）代码", fmt=FieldFormat.DIVISION_CODE),
            _f("community_code", "社区代码", fmt=FieldFormat.DIVISION_CODE),
            _f("grid_code", "网格编码"),
            _f("holder_name", "房屋权利人姓名", _PERSONAL, item="house.holder_name"),
            _f("resident_name", "居住人姓名", _PERSONAL, item="person.name"),
        ),
    ),
    RegistryEntry(
        "component",
        "城市部件库",
        "1-03-003",
        "城市部件（公用设施、交通设施、市容环境设施、园林绿化设施等）：部件编码=区县代码+大类+小类+流水号，分类为数据，"
        "含位置、权属和养护单位、状态。",
        (
            _f("id", "部件编码", key=True),
            _f("class_code", "部件小类代码", data_type=_C),
            _f("county_code", "区县代码", fmt=FieldFormat.DIVISION_CODE),
            _f("community_code", "社区代码", fmt=FieldFormat.DIVISION_CODE),
            _f("grid_code", "网格编码"),
            _f("lon", "经度", data_type=DataType.DECIMAL),
            _f("lat", "纬度", data_type=DataType.DECIMAL),
            _f("location", "位置描述"),
            _f("department", "主管部门"),
            _f("owner", "权属单位"),
            _f("maintainer", "养护单位"),
            _f("state", "部件状态", data_type=_C),
            _f("surveyed", "普查日期", data_type=_D),
        ),
    ),
    RegistryEntry(
        "housing",
        "房屋基础库",
        "1-03-002",
        "楼栋和房屋：坐落的标准地址、层数、建成年份、用途、面积、共有方式，房屋权利人（关联人口库和法人库）和居住人。",
        (
            _f("address_code", "房屋标准地址编码", key=True),
            _f("building_no", "楼栋号"),
            _f("floors", "地上层数", data_type=DataType.INTEGER),
            _f("built_year", "建成年份", data_type=DataType.INTEGER),
            _f("use", "房屋用途", data_type=_C),
            _f("area", "建筑面积（平方米）", data_type=DataType.DECIMAL),
            _f("share_mode", "共有方式", data_type=_C),
            _f("holder_name", "权利人姓名", _PERSONAL, item="house.holder_name"),
            _f("holder_id_number", "权利人证件号码", _SENSITIVE, fmt=FieldFormat.ID_NUMBER, item="person.id_number"),
            _f("district_code", "区县代码", fmt=FieldFormat.DIVISION_CODE),
        ),
    ),
)

_BY_NAME: Final = {e.registry: e for e in REGISTRIES}
SHARE_CONDITIONS: Final = (
    "仅限政务部门为履行法定职责按申请的用途使用；经数据资源管理局审核授权后通过共享交换平台按授权字段、脱敏规则和"
    "区域范围读取，每次读取记入审计日志。"
)


def tag_of(registry: str) -> str:
    """The ledger tag that marks (and finds) a registry's catalog entry."""
    return f"{TAG_PREFIX}{registry}"


def registry_of(resource: Any) -> str | None:
    """The registry a ledger resource stands for (by its marker tag; ``resource.tags`` must be loaded), or None."""
    for t in resource.tags:
        name = t.name if hasattr(t, "name") else str(t)
        if name.startswith(TAG_PREFIX) and name[len(TAG_PREFIX) :] in _BY_NAME:
            return name[len(TAG_PREFIX) :]
    return None


def is_registry_resource(resource: Any) -> bool:
    """Whether the resource is one of the registries (served by their pages behind grants, not by the lake)."""
    return registry_of(resource) is not None


def _bureau(db: Session) -> Any:
    from xingcheng.identity.models import Department

    return db.scalar(select(Department).where(Department.kind == "bureau").order_by(Department.id).limit(1))


def resource_for(db: Session, registry: str) -> Any:
    """The ledger resource of a registry (any state; the newest when several), fields loaded; None if not registered."""
    from xingcheng.ledger import service as ledger
    from xingcheng.ledger.models import Resource, ResourceTag

    if registry not in _BY_NAME:
        return None
    rid = db.scalar(
        select(Resource.id)
        .join(ResourceTag, ResourceTag.resource_id == Resource.id)
        .where(ResourceTag.name == tag_of(registry), Resource.origin_hub.is_(None))
        .order_by(Resource.id.desc())
        .limit(1)
    )
    return ledger.get_resource(db, rid) if rid is not None else None


def ensure_registered(db: Session) -> dict[str, str]:
    """Register and publish the registries missing from the ledger (idempotent); {registry: resource code}.

    Owned by the data bureau (the department of kind ``bureau``); without one nothing is registered (a hub
    still being set up) and an empty mapping is returned. A registry retired by the bureau stays retired.
    """
    from xingcheng.ledger import service as ledger
    from xingcheng.ledger.schemas import FieldIn, ResourceIn

    bureau = _bureau(db)
    if bureau is None:
        return {}
    codes: dict[str, str] = {}
    missing: list[RegistryEntry] = []
    for entry in REGISTRIES:
        found = resource_for(db, entry.registry)
        if found is None:
            missing.append(entry)
        else:
            codes[entry.registry] = found.code
    if not missing:
        return codes
    items = [
        ResourceIn(
            name=entry.name,
            abstract=entry.abstract,
            class_code=entry.class_code,
            department_id=bureau.id,
            share_type="conditional",
            share_conditions=SHARE_CONDITIONS,
            share_methods=["service"],
            open_type="none",
            update_cycle=entry.update_cycle,
            formats=["json"],
            tags=[entry.tag, "五大基础库"],
            fields=[FieldIn.from_spec(f) for f in entry.fields],
        )
        for entry in missing
    ]
    made = ledger.create_many(db, items, ledger.SYSTEM)
    for entry, r in zip(missing, made, strict=True):
        ledger.submit(db, r.id, ledger.SYSTEM)
        ledger.publish(db, r.id, ledger.SYSTEM, "五大基础库由平台登记")
        codes[entry.registry] = r.code
    db.flush()
    return codes

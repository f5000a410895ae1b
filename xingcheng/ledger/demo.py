"""The ledger part of the demo city: about 1,000 catalog entries across the demo's departments.

The ten synthetic departmental sources become published resources with their exact fields (manifest field
names, types and sensitivities; each column header kept in ``source_names``) and their authoritative data
items. The rest are the entries a city's departments typically register (``demo_catalog``), in a mix of
states, share and open types and grades, plus the city's intelligent capabilities. Everything goes through
the same service functions the pages use, so the history, the codes and the search index are real.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from xingcheng.core.db import utcnow
from xingcheng.identity.models import Department
from xingcheng.ledger import repository as repo
from xingcheng.ledger import service as svc
from xingcheng.ledger.demo_catalog import CAPABILITIES, DISTRICT_SPECIFIC, FIELDSETS, GENERIC, SPECIFIC
from xingcheng.ledger.demo_sources import FORMATS_BY_STANDARD, SOURCE_PROFILES
from xingcheng.ledger.schema import UpdateCycle
from xingcheng.ledger.schemas import FieldIn, ResourceIn, ResourceQuery, ResourceUpdate

__all__ = ["build"]

LEGAL_PERSONAL = "《中华人民共和国个人信息保护法》第二十八条：敏感个人信息仅在具有特定目的和充分必要性时处理。"
LEGAL_CLASSIFIED = "《中华人民共和国保守国家秘密法》及本部门定密管理规定：涉及工作秘密，不予共享。"
RETURN_COMMENT = "共享条件表述不明确，请写明可申请的使用场景和审核时限；信息项“统一社会信用代码”请标注格式规范。"
GRADE_FLOORS = {"视频监控点位信息": "core", "人防工程信息": "core", "城镇燃气管网信息": "important"}
CYCLE_BY_SET = {s: cycle for s, (_fields, cycle) in FIELDSETS.items()}
METHODS = {
    "sensors": ["service"],
    "events": ["service"],
    "statistics": ["file"],
    "documents": ["file"],
    "items": ["file", "service"],
}
FORMATS = {
    "sensors": ["json", "api"],
    "events": ["json", "api"],
    "statistics": ["xlsx", "csv"],
    "documents": ["pdf"],
    "items": ["xlsx", "api"],
}


def _roll(*parts: str) -> float:
    """A deterministic number in [0, 1) from the parts: the same demo every time."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _short(dept: Department) -> str:
    name = dept.name
    for prefix in ("长沙市人民政府", "长沙市", "长沙", "国家税务总局长沙市"):
        if name.startswith(prefix) and len(name) > len(prefix) + 1:
            name = name[len(prefix) :]
            break
    return name.replace("人民政府", "").replace("办事处", "")


def build(context: Any) -> None:
    db = context.session
    policy = svc.GradePolicy.from_settings(context.settings)
    svc.ensure_classes(db)
    departments = {d.code: d for d in repo.departments_by_id(db).values()}
    if not departments:
        return
    builder = _Builder(db, policy)
    # Registering flushes each new resource itself (its code needs it); everything else may wait for the next
    # flush, so one flush carries the previous resource's review steps and history in batches.
    with db.no_autoflush:
        context.shared["ledger_sources"] = builder.sources(_manifest_sources(context), departments)
        for name, code, class_code, params, tags in CAPABILITIES:
            if code in departments:
                builder.capability(departments[code], name, class_code, params, tags)
        for code, dept in sorted(departments.items()):
            entries = [(p.format(d=_short(dept)), c, s, t) for p, c, s, t in GENERIC]
            if dept.kind in ("district", "street"):
                entries += [(p.format(d=_short(dept)), c, s, t) for p, c, s, t in DISTRICT_SPECIFIC]
            entries += SPECIFIC.get(code, [])
            for name, class_code, fieldset, tags in entries:
                builder.entry(dept, name, class_code, fieldset, tags)
        builder.flush()
    db.flush()
    builder.claims(departments)
    context.shared["ledger_resources"] = builder.count


def _manifest_sources(context: Any) -> list[dict[str, Any]]:
    path = context.synth_dir / "manifest.json"
    if path.exists():
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return list(data.get("sources", []))
    from xingcheng.synth.manifest import SourceEntry
    from xingcheng.synth.sources import SOURCES

    return [SourceEntry(spec, 0).to_dict() for spec in SOURCES]


class _Builder:
    def __init__(self, db: Any, policy: svc.GradePolicy) -> None:
        self.db = db
        self.policy = policy
        self.count = 0
        self.now = utcnow()
        self.pending: list[tuple[ResourceIn, Any]] = []

    def _create(self, data: ResourceIn, then: Any) -> None:
        """Queue a resource; ``then(resource)`` runs after the whole batch is registered."""
        self.pending.append((data, then))

    def flush(self) -> None:
        made = svc.create_many(self.db, [d for d, _t in self.pending], svc.SYSTEM, policy=self.policy)
        for r, (_d, then) in zip(made, self.pending, strict=True):
            then(r)
        self.count += len(made)
        self.pending = []

    def _advance(self, r: Any, key: str, *, capability: bool = False) -> None:
        """Walk the resource through review: most are published, some retired, returned, waiting, drafts."""
        roll = _roll("state", key)
        if capability:
            roll = 0.0 if roll < 0.9 else 0.99  # capabilities: published, or still a draft
        if roll >= 0.93:
            return  # draft
        svc.submit(self.db, r.id, svc.SYSTEM, policy=self.policy)
        if roll >= 0.87:
            return  # waiting for review
        if roll >= 0.82:
            svc.return_resource(self.db, r.id, svc.SYSTEM, RETURN_COMMENT)
            return
        svc.publish(self.db, r.id, svc.SYSTEM)
        days = UpdateCycle(r.update_cycle).days or 365
        age = dt.timedelta(days=_roll("age", key) * days * 1.6)
        r.data_updated_at = self.now - age  # as if the department had been updating it
        if roll >= 0.76:
            svc.retire(self.db, r.id, svc.SYSTEM, "资源已整合到新的目录条目")

    # -- the ten synthetic sources -------------------------------------------------------------------
    def sources(self, sources: list[dict[str, Any]], departments: dict[str, Department]) -> dict[str, str]:
        by_name = {d.name: d for d in departments.values()}
        made: dict[str, str] = {}
        for source in sources:
            profile = SOURCE_PROFILES.get(source["id"])
            dept = by_name.get(source.get("department", {}).get("name", ""))
            if profile is None or dept is None:
                continue
            key = set(source.get("key", []))
            items: dict[str, tuple[str, bool]] = profile["items"]
            fields = []
            for f in source["fields"]:
                item, authoritative = items.get(f["name"], (None, False))
                codes = f.get("codes") or {}
                fields.append(
                    FieldIn(
                        name=f["name"],
                        label=f["label"],
                        data_type=f["type"],
                        required=f["name"] in key,
                        is_key=f["name"] in key,
                        format=FORMATS_BY_STANDARD.get(f.get("standard") or "", "none"),
                        code_list=list(codes),
                        sensitivity=f["sensitivity"],
                        data_item=item,
                        authoritative=authoritative,
                        source_names=[f["name"]],
                        description=f"{f.get('standard') or ''} {f.get('format') or ''}".strip(),
                    )
                )
            records = source.get("records") or 0
            abstract = source.get("description", "")
            self._create(
                ResourceIn(
                    name=source["resource"],
                    abstract=abstract,
                    class_code=profile["class_code"],
                    department_id=dept.id,
                    share_type=profile["share_type"],
                    share_conditions=profile.get("share_conditions", ""),
                    share_methods=profile["share_methods"],
                    open_type=profile.get("open_type", "none"),
                    open_conditions=profile.get("open_conditions", ""),
                    update_cycle=profile["update_cycle"],
                    formats=[source["format"], "api"],
                    tags=[*profile["tags"], *(["全量"] if records else [])],
                    fields=fields,
                ),
                lambda r, sid=source["id"]: self._first_batch(r, sid, made),
            )
        return made

    def _first_batch(self, r: Any, source_id: str, made: dict[str, str]) -> None:
        svc.submit(self.db, r.id, svc.SYSTEM, policy=self.policy)
        svc.publish(self.db, r.id, svc.SYSTEM, "首批归集资源")
        made[source_id] = r.code

    # -- capabilities --------------------------------------------------------------------------------
    def capability(
        self, dept: Department, name: str, class_code: str, params: list[tuple[str, str, str, str]], tags: list[str]
    ) -> None:
        sensitive = any(s == "sensitive" for *_x, s in params)
        personal = any(s != "none" for *_x, s in params)
        self._create(
            ResourceIn(
                name=name,
                abstract=f"{dept.name}提供的{name}，以服务接口方式向各部门开放调用，纳入智能中枢能力清单。",
                class_code=class_code,
                kind="capability",
                department_id=dept.id,
                share_type="conditional" if personal else "unconditional",
                share_conditions="调用方须登记接入系统，说明调用场景；按次记录调用日志。" if personal else "",
                share_methods=["service"],
                open_type="none" if personal else ("conditional" if _roll("open", name) < 0.5 else "none"),
                open_conditions="" if personal else "经数据局审核的开发者可申请调用。",
                grade="important" if sensitive else None,
                update_cycle="realtime",
                formats=["api"],
                tags=["智能中枢", *tags],
                fields=[FieldIn(name=f, label=label, data_type=t, sensitivity=s) for f, label, t, s in params],
            ),
            lambda r: self._advance(r, name, capability=True),
        )

    # -- the typical catalog ---------------------------------------------------------------------------
    def entry(self, dept: Department, name: str, class_code: str, fieldset: str, tags: list[str]) -> None:
        spec, _cycle = FIELDSETS[fieldset]
        sensitivity = max((s for _n, _l, _t, s, *_r in spec), key=("none", "personal", "sensitive").index)
        share, open_type, legal, conditions, open_conditions = _share(name, sensitivity)
        labels = "、".join(label for _n, label, *_r in spec[:4])
        fields = [
            FieldIn(
                name=n,
                label=label,
                data_type=t,
                sensitivity=s,
                format=fmt,
                data_item=item,
                unit=unit,
                required=i == 0,
                is_key=i == 0,
            )
            for i, (n, label, t, s, fmt, item, unit) in enumerate(spec)
        ]
        cycle = CYCLE_BY_SET[fieldset]
        self._create(
            ResourceIn(
                name=name,
                abstract=f"{dept.name}{name.removeprefix(_short(dept))}，包括{labels}等信息项。",
                class_code=class_code,
                department_id=dept.id,
                share_type=share,
                share_conditions=conditions,
                legal_basis=legal,
                share_methods=[] if share == "none" else METHODS.get(fieldset, ["service", "database"]),
                open_type=open_type,
                open_conditions=open_conditions,
                grade=GRADE_FLOORS.get(name),
                update_cycle=cycle,
                formats=FORMATS.get(fieldset, ["csv", "api"]),
                tags=tags,
                fields=fields,
            ),
            lambda r, key=f"{dept.code}:{name}": self._advance(r, key),
        )

    # -- 一数一源: second claims waiting for the bureau -----------------------------------------------
    def claims(self, departments: dict[str, Department]) -> None:
        claims = [
            ("gaj", "流动人口登记信息", "xm"),  # public security's floating population also names persons
            ("swj", "纳税信用等级信息", "tyshxydm"),  # tax claims the credit code market regulation holds
        ]
        for code, name, field_name in claims:
            dept = departments.get(code)
            if dept is None:
                continue
            found = svc.search(
                self.db, ResourceQuery(q=name, department_id=[dept.id], states=["draft", "returned", "published"]), None
            )
            target = next((r for r in found.items if r.name == name), None)
            if target is None:
                continue
            full = svc.get_resource(self.db, target.id)
            if full.state not in ("draft", "returned", "published"):
                continue
            fields = [svc.field_in(f) for f in full.fields]
            fields = [f.model_copy(update={"authoritative": True}) if f.name == field_name else f for f in fields]
            svc.update_resource(
                self.db, full.id, ResourceUpdate(fields=fields, claim_arbitration=True), svc.SYSTEM, policy=self.policy
            )


def _share(name: str, sensitivity: str) -> tuple[str, str, str, str, str]:
    """(share type, open type, legal basis, share conditions, open conditions), plausibly mixed."""
    roll, roll2 = _roll("share", name), _roll("open", name)
    cond = "限于依法履职需要，说明用途和使用场景，经提供部门审核同意后共享。"
    if sensitivity == "sensitive":
        return ("none", "none", LEGAL_PERSONAL, "", "") if roll < 0.15 else ("conditional", "none", "", cond, "")
    if sensitivity == "personal":
        return ("none", "none", LEGAL_PERSONAL, "", "") if roll < 0.08 else ("conditional", "none", "", cond, "")
    if roll < 0.05:
        return "none", "none", LEGAL_CLASSIFIED, "", ""
    if roll < 0.35:
        opened = "conditional" if roll2 < 0.3 else "none"
        return "conditional", opened, "", cond, "经申请审核后向社会开放。" if opened == "conditional" else ""
    if roll2 < 0.45:
        return "unconditional", "unconditional", "", "", ""
    if roll2 < 0.7:
        return "unconditional", "conditional", "", "", "经申请审核后向社会开放。"
    return "unconditional", "none", "", "", ""

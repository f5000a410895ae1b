"""The identity part of the demo city: real Changsha departments, staff of every role, some citizens."""

from __future__ import annotations

import csv
import hashlib
from typing import Any

from xingcheng.core.permissions import Role
from xingcheng.identity import repository as repo
from xingcheng.identity.schemas import ApiClientCreate, CitizenCreate, DepartmentCreate, UserCreate
from xingcheng.standards import uscc

__all__ = ["DEMO_DEPARTMENTS", "accounts", "build"]

# (code, name, English name, division, kind) — city-level departments of Changsha and two districts.
DEMO_DEPARTMENTS: list[tuple[str, str, str, str, str]] = [
    ("sjj", "长沙市数据资源管理局", "Changsha Data Resources Administration", "4301", "bureau"),
    ("gaj", "长沙市公安局", "Public Security Bureau", "4301", "department"),
    ("wjw", "长沙市卫生健康委员会", "Health Commission", "4301", "department"),
    ("mzj", "长沙市民政局", "Civil Affairs Bureau", "4301", "department"),
    ("rsj", "长沙市人力资源和社会保障局", "Human Resources and Social Security Bureau", "4301", "department"),
    ("ybj", "长沙市医疗保障局", "Healthcare Security Administration", "4301", "department"),
    ("scjgj", "长沙市市场监督管理局", "Administration for Market Regulation", "4301", "department"),
    ("swj", "国家税务总局长沙市税务局", "Changsha Tax Service", "4301", "department"),
    ("zjj", "长沙市住房和城乡建设局", "Housing and Urban-Rural Development Bureau", "4301", "department"),
    ("zrzyj", "长沙市自然资源和规划局", "Natural Resources and Planning Bureau", "4301", "department"),
    ("cgj", "长沙市城市管理和综合执法局", "Urban Management and Law Enforcement Bureau", "4301", "department"),
    ("jtj", "长沙市交通运输局", "Transport Bureau", "4301", "department"),
    ("yjj", "长沙市应急管理局", "Emergency Management Bureau", "4301", "department"),
    ("jyj", "长沙市教育局", "Education Bureau", "4301", "department"),
    ("fgw", "长沙市发展和改革委员会", "Development and Reform Commission", "4301", "department"),
    ("gxj", "长沙市工业和信息化局", "Industry and Information Technology Bureau", "4301", "department"),
    ("kjj", "长沙市科学技术局", "Science and Technology Bureau", "4301", "department"),
    ("czj", "长沙市财政局", "Finance Bureau", "4301", "department"),
    ("sfj", "长沙市司法局", "Justice Bureau", "4301", "department"),
    ("sthjj", "长沙市生态环境局", "Ecology and Environment Bureau", "4301", "department"),
    ("slj", "长沙市水利局", "Water Resources Bureau", "4301", "department"),
    ("nyncj", "长沙市农业农村局", "Agriculture and Rural Affairs Bureau", "4301", "department"),
    ("swuj", "长沙市商务局", "Commerce Bureau", "4301", "department"),
    ("wlgtj", "长沙市文化旅游广电局", "Culture, Tourism, Radio and Television Bureau", "4301", "department"),
    ("tyj", "长沙市体育局", "Sports Bureau", "4301", "department"),
    ("tjj", "长沙市统计局", "Statistics Bureau", "4301", "department"),
    ("sjij", "长沙市审计局", "Audit Bureau", "4301", "department"),
    ("tyjrj", "长沙市退役军人事务局", "Veterans Affairs Bureau", "4301", "department"),
    ("lyj", "长沙市林业局", "Forestry Bureau", "4301", "department"),
    ("gzw", "长沙市人民政府国有资产监督管理委员会", "State-owned Assets Commission", "4301", "department"),
    ("jrj", "长沙市地方金融监督管理局", "Local Financial Supervision Bureau", "4301", "department"),
    ("rfb", "长沙市人民防空办公室", "Civil Air Defence Office", "4301", "department"),
    ("xfzd", "长沙市消防救援支队", "Fire and Rescue Detachment", "4301", "department"),
    ("gjj", "长沙住房公积金管理中心", "Housing Provident Fund Centre", "4301", "department"),
    ("zwfw", "长沙市政务服务中心", "Government Services Centre", "4301", "department"),
    ("frq", "长沙市芙蓉区人民政府", "Furong District Government", "430102", "district"),
    ("txq", "长沙市天心区人民政府", "Tianxin District Government", "430103", "district"),
    ("ylq", "长沙市岳麓区人民政府", "Yuelu District Government", "430104", "district"),
    ("kfq", "长沙市开福区人民政府", "Kaifu District Government", "430105", "district"),
    ("yhq", "长沙市雨花区人民政府", "Yuhua District Government", "430111", "district"),
    ("wcq", "长沙市望城区人民政府", "Wangcheng District Government", "430112", "district"),
    ("csx", "长沙县人民政府", "Changsha County Government", "430121", "district"),
    ("lys", "浏阳市人民政府", "Liuyang City Government", "430181", "district"),
    ("nxs", "宁乡市人民政府", "Ningxiang City Government", "430182", "district"),
    ("wyljd", "岳麓区望月湖街道办事处", "Wangyuehu Subdistrict Office", "430104", "street"),
]

# (username, display name, department code, roles)
DEMO_STAFF: list[tuple[str, str, str, list[Role]]] = [
    ("admin", "平台管理员", "sjj", [Role.PLATFORM_ADMIN]),
    ("sjj.approver", "数据局审批员", "sjj", [Role.APPROVER]),
    ("sjj.analyst", "数据局分析员", "sjj", [Role.ANALYST]),
    ("gaj.admin", "公安局数据管理员", "gaj", [Role.DATA_ADMIN]),
    ("wjw.admin", "卫健委数据管理员", "wjw", [Role.DATA_ADMIN]),
    ("mzj.admin", "民政局数据管理员", "mzj", [Role.DATA_ADMIN]),
    ("rsj.admin", "人社局数据管理员", "rsj", [Role.DATA_ADMIN]),
    ("scjgj.admin", "市场监管局数据管理员", "scjgj", [Role.DATA_ADMIN]),
    ("cgj.handler", "城管局案件处置员", "cgj", [Role.CASE_HANDLER]),
    ("wyl.grid", "望月湖网格员", "wyljd", [Role.GRID_WORKER]),
]

DEMO_CITIZENS = 30


def _department_uscc(code: str, division: str) -> str:
    # Government organs: registering authority 1 (机构编制), type 1 (机关); a stable organisation-code body.
    digest = hashlib.sha256(code.encode()).hexdigest()
    body = "".join(str(int(c, 16) % 10) for c in digest[:8])
    admin = division.ljust(6, "0")[:6]
    return uscc.make("1", "1", admin, body)


def build(context: Any) -> None:
    svc, db = context.identity, context.session
    ids: dict[str, int] = {}
    for code, name, name_en, division, kind in DEMO_DEPARTMENTS:
        dept = svc.create_department(
            db,
            DepartmentCreate(
                code=code,
                name=name,
                name_en=name_en,
                uscc=_department_uscc(code, division),
                division_code=division,
                kind=kind,
            ),
        )
        ids[code] = dept.id
    for username, display, dept_code, roles in DEMO_STAFF:
        svc.create_user(
            db,
            UserCreate(
                username=username,
                display_name=display,
                department_id=ids[dept_code],
                roles=roles,
                password=context.password,
            ),
        )
    admin = svc.principal_for_user(repo.user_by_username(db, "admin"))
    svc.create_client(db, ids["gaj"], ApiClientCreate(system_code="huji-app", name="户籍业务系统"), admin)
    svc.create_client(db, ids["rsj"], ApiClientCreate(system_code="sbk-app", name="社保卡业务系统"), admin)
    context.shared["department_ids"] = ids
    context.shared["citizens"] = _citizens(context)


def _citizens(context: Any) -> list[dict[str, str]]:
    persons = context.synth_dir / "truth" / "persons.csv"
    made: list[dict[str, str]] = []
    if not persons.exists():
        return made
    with persons.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if len(made) >= DEMO_CITIZENS:
                break
            if not row["birth_date"] or row["birth_date"] > "2004-01-01":
                continue
            context.identity.register_citizen(
                context.session,
                CitizenCreate(
                    id_number=row["id_number"],
                    name=row["name"],
                    phone=row.get("phone") or None,
                    password=context.password,
                ),
            )
            made.append({"id_number": row["id_number"], "name": row["name"]})
    return made


def accounts(context: Any) -> list[dict[str, str]]:
    names = {code: name for code, name, *_ in DEMO_DEPARTMENTS}
    out = [
        {"username": u, "password": context.password, "role": ",".join(r.value for r in roles), "department": names[d]}
        for u, _display, d, roles in DEMO_STAFF
    ]
    for citizen in context.shared.get("citizens", [])[:1]:
        out.append(
            {"username": citizen["id_number"], "password": context.password, "role": "citizen", "department": ""}
        )
    return out

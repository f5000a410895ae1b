"""What departments record about places and organisations: standard addresses, buildings and houses with
their right holders, market entities, taxpayers and city components — with their truth rows.

:class:`PlaceRecords` is the :class:`~.dwellings.AddressSink` of a chunk: every address the allocator
creates becomes a truth row and a standard-address record, buildings and rooms become housing records
(owned by the household living there, a landlord from the same chunk, or a company).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Final

from .companies import Company
from .components import Component, ComponentClass
from .config import REFERENCE_DATE
from .dwellings import Address
from .mess import Mess, to_full_width
from .outputs import ChunkOutputs
from .population import Household, Person
from .sources import iso, slash_padded

__all__ = ["PlaceRecords"]

_REF_ORD: Final = REFERENCE_DATE.toordinal()
_AMR_STATUS: Final = {"存续": "存续（在营、开业、在册）", "注销": "注销", "吊销": "吊销，未注销"}
_TAX_STATUS: Final = {"存续": "正常", "注销": "注销", "吊销": "非正常"}
_TAX_TYPE: Final = {"个体工商户": "个体工商户", "农民专业合作社": "农民专业合作社"}
_OWNER_POOL: Final = 256


def _authority(county_name: str, office: str) -> str:
    """长沙市芙蓉区市场监督管理局 for a district, 浏阳市市场监督管理局 for a county-level city."""
    return f"长沙市{county_name}{office}" if county_name.endswith("区") else f"{county_name}{office}"


class PlaceRecords:
    """Writes one chunk's address, housing, company and component records to its part files."""

    def __init__(
        self,
        out: ChunkOutputs,
        mess: Mess,
        rng: random.Random,
        chunk: int,
        component_id: Callable[[ComponentClass, str], str],
    ) -> None:
        self.out = out
        self.mess = mess
        self.rng = rng
        self.k = chunk
        self._component_id = component_id
        self._serial: dict[str, int] = {}
        self._owners: list[Person] = []  # earlier adults of the chunk: landlords and investors

    def _next(self, source: str) -> int:
        n = self._serial.get(source, 0) + 1
        self._serial[source] = n
        return n

    # -- addresses (the allocator's sink) ------------------------------------------------------------------

    def address(self, a: Address, occupant: object | None, vacant: bool) -> None:
        c = a.community
        self.out.truth(
            "addresses",
            (a.address_id, a.level, c.code, a.grid.code, a.road, a.door_no, a.estate, a.building, a.unit, a.room,
             a.text, a.lon, a.lat),
        )  # fmt: skip
        self._standard_address(a)
        if a.level == "楼栋":
            self._building(a)
        elif a.level == "户室":
            self._house(a, occupant, vacant)
        if isinstance(occupant, Household) and len(occupant.members) > 0:
            head = occupant.members[0]
            if len(self._owners) < _OWNER_POOL:
                self._owners.append(head)
            else:
                self._owners[self.rng.randrange(_OWNER_POOL)] = head

    def _standard_address(self, a: Address) -> None:
        m = self.mess
        c = a.community
        lon, lat = (a.lon, a.lat) if not m.missing() else ("", "")
        row: list[object] = [
            a.address_id, a.level, c.county_code, c.county_name, c.township_code, c.township_name, c.code, c.name,
            a.road, a.door_no, a.estate, a.building, a.unit, a.room,
            to_full_width(a.text) if m.chance(m.rates.full_width) else a.text, lon, lat,
            "" if m.missing() else a.grid.code,
        ]  # fmt: skip
        self.out.csv_row("nrp_standard_addresses", row, a.address_id, a.address_id)
        dup = m.duplicates()
        if dup:  # the same place captured again under another code
            again = list(row)
            again[0] = a.address_id[:12] + "9" + a.address_id[13:]
            if dup == 2:
                again[14] = a.text.removeprefix("长沙市")
            self.out.csv_row("nrp_standard_addresses", again, str(again[0]), a.address_id)

    # -- 住建局 buildings and houses (JSON lines) ---------------------------------------------------------

    def _unit_no(self, a: Address) -> str:
        """不动产单元号 (28 characters): county, cadastral zone, GB parcel, F and the fixture unit."""
        i = a.address_id
        return f"{i[:6]}{i[6:9]}{i[9:12]}GB{int(i[12:15]):05d}F{i[15:23]}"

    def _housing(self, record: dict[str, object], a: Address) -> None:
        number = f"ZJ{self.k:02d}{self._next('housing_properties'):08d}"
        self.out.json_row("housing_properties", {"record_no": number, **record}, number, a.address_id)
        dup = self.mess.duplicates()
        if dup:
            again = f"ZJ{self.k:02d}{self._next('housing_properties'):08d}"
            copy = {"record_no": again, **record}
            if dup == 2:
                copy["address_code"] = None
                copy["location"] = to_full_width(str(record["location"]))
            self.out.json_row("housing_properties", copy, again, a.address_id)

    def _registered(self, year: int, not_before: int = 0) -> str:
        """A registration time after the building was finished and the owner could own it."""
        start = min(max(dt.date(max(year, 1998), 1, 1).toordinal(), not_before), _REF_ORD)
        day = dt.date.fromordinal(self.rng.randint(start, _REF_ORD))
        return f"{iso(day)}T{self.rng.randrange(8, 18):02d}:{self.rng.randrange(60):02d}:00"

    def _building(self, a: Address) -> None:
        record: dict[str, object] = {
            "record_type": "building", "unit_no": self._unit_no(a), "project_name": a.estate,
            "building_no": a.building, "location": a.text, "address_code": a.address_id,
            "district_code": a.community.county_code, "floors": a.floors, "units": a.units, "built_year": a.year,
            "floor": None, "room_no": None, "area": None, "use": "商业" if a.commercial else "住宅",
            "owner_type": None, "owner_name": None, "owner_cert_no": None, "co_owner_name": None,
            "co_owner_cert_no": None, "share_mode": None, "registered_at": self._registered(a.year),
        }  # fmt: skip
        self._housing(record, a)

    def _house(self, a: Address, occupant: object | None, vacant: bool) -> None:
        rng, m = self.rng, self.mess
        owner: Person | Company | None = None
        co_owner: Person | None = None
        if isinstance(occupant, Household):
            if rng.random() < 0.72 or not self._owners:
                owner, co_owner = occupant.members[0], occupant.members[0].spouse
            else:
                owner = self._owners[rng.randrange(len(self._owners))]
        elif isinstance(occupant, Company):
            owner = (
                occupant if rng.random() < 0.6 or not self._owners else self._owners[rng.randrange(len(self._owners))]
            )
        elif vacant and self._owners and rng.random() < 0.5:
            owner = self._owners[rng.randrange(len(self._owners))]
        if owner is None:
            return  # unsold or never registered
        if isinstance(owner, Company):
            owner_type, name, cert = "company", owner.name, owner.uscc
            not_before = owner.established.toordinal()
        else:
            owner_type, name, cert = "person", m.name(owner.name), m.id_number(owner.id_number)
            not_before = owner.birth.toordinal() + 20 * 365
        area = rng.uniform(40, 300) if a.commercial else max(25.0, rng.gauss(98, 28))
        record: dict[str, object] = {
            "record_type": "house", "unit_no": self._unit_no(a), "project_name": a.estate,
            "building_no": a.building, "location": a.text, "address_code": None if m.missing() else a.address_id,
            "district_code": a.community.county_code, "floors": None, "units": None, "built_year": a.year,
            "floor": int(a.room[:-2]), "room_no": a.room, "area": round(area, 2),
            "use": ("办公" if rng.random() < 0.7 else "商业") if a.commercial else "住宅",
            "owner_type": owner_type, "owner_name": name, "owner_cert_no": cert or None,
            "co_owner_name": m.name(co_owner.name) if co_owner else None,
            "co_owner_cert_no": (m.id_number(co_owner.id_number) or None) if co_owner else None,
            "share_mode": "共同共有" if co_owner else "单独所有",
            "registered_at": self._registered(a.year, not_before),
        }  # fmt: skip
        self._housing(record, a)

    # -- 市场监管局 and 税务局 ------------------------------------------------------------------------------

    def company(self, c: Company) -> None:
        m, rng = self.mess, self.rng
        rep, a = c.legal_rep, c.address
        assert rep is not None and a is not None
        county = a.community.county_name
        self.out.truth(
            "companies",
            (c.company_id, c.uscc, c.name, c.kind, c.entity_type, rep.person_id, a.address_id, a.community.code,
             iso(c.established), c.status, c.capital, c.industry),
        )  # fmt: skip
        approved = dt.date.fromordinal(rng.randint(c.established.toordinal(), _REF_ORD))
        row: list[object] = [
            f"430100{self.k:02d}{self._next('amr'):010d}", c.uscc, c.name, c.entity_type, m.name(rep.name),
            m.id_number(rep.id_number), c.capital, c.established, m.text(a.text) or a.text, c.scope,
            _authority(county, "市场监督管理局"), _AMR_STATUS[c.status], approved,
        ]  # fmt: skip
        self.out.xlsx_row("amr_market_entities", row, str(row[0]), c.company_id)
        dup = m.duplicates()
        if dup:  # registered again after a move or a name change
            again = list(row)
            again[0] = f"430100{self.k:02d}{self._next('amr'):010d}"
            if dup == 2:
                again[2] = c.name.replace("有限公司", "有限责任公司") if "有限公司" in c.name else c.name + " "
            self.out.xlsx_row("amr_market_entities", again, str(again[0]), c.company_id)
        if rng.random() < (0.95 if c.status == "存续" else 0.6):
            self._taxpayer(c, rep, a)

    def _taxpayer(self, c: Company, rep: Person, a: Address) -> None:
        m, rng = self.mess, self.rng
        county = a.community.county_name
        registered = min(c.established.toordinal() + rng.randrange(60), _REF_ORD)
        stamp = f"{iso(dt.date.fromordinal(registered))} {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:00"
        kind = _TAX_TYPE.get(c.entity_type, "私营股份有限公司" if "股份" in c.entity_type else "私营有限责任公司")
        djxh = f"10114301{self.k:02d}{self._next('tax'):010d}"
        row: list[object] = [
            djxh, c.uscc, m.name(c.name) if m.chance(m.rates.stray_space) else c.name, m.name(rep.name),
            m.id_number(rep.id_number), m.text(a.text), c.industry, kind, _TAX_STATUS[c.status],
            f"国家税务总局{_authority(county, '税务局')}", m.phone(rep.phone), stamp,
        ]  # fmt: skip
        self.out.csv_row("tax_taxpayers", row, djxh, c.company_id)
        if m.duplicates():
            again = f"10114301{self.k:02d}{self._next('tax'):010d}"
            self.out.csv_row("tax_taxpayers", [again, *row[1:]], again, c.company_id)

    # -- 城管局 components -----------------------------------------------------------------------------------

    def component(self, c: Component) -> None:
        m = self.mess
        k, community = c.kind, c.community
        self.out.truth(
            "components",
            (c.component_id, k.major_code, k.minor_code, k.minor_name, community.code, c.grid.code, c.lon, c.lat,
             c.status),
        )  # fmt: skip
        lon, lat = (c.lon, c.lat) if not m.missing() else ("", "")
        row: list[object] = [
            c.component_id, k.major_code, k.major_name, k.minor_code, k.minor_name, community.county_name,
            community.township_name, community.name, community.code, c.grid.code, lon, lat, c.location,
            k.authority, k.authority, _authority(community.county_name, "城市管理和综合执法局"), c.status,
            slash_padded(c.surveyed),
        ]  # fmt: skip
        self.out.csv_row("um_city_components", row, c.component_id, c.component_id)
        if m.duplicates():  # surveyed twice, tagged twice
            again = self._component_id(k, community.county_code)
            self.out.csv_row("um_city_components", [again, *row[1:]], again, c.component_id)

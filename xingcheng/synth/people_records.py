"""What each department records about a person: household registration, birth certificates, marriages,
pension and medical insurance — and the truth row they all stand for.

Each record gets its department's own key (a chunk-prefixed serial, so keys are unique city-wide) and a
link row to the person it really is. Mess is applied per record (see :mod:`.mess`): a mover's old address
survives in exactly one department, some records come twice.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Final

from xingcheng.standards import divisions

from . import lexicon
from .companies import is_student
from .config import REFERENCE_DATE
from .dwellings import Address
from .mess import Mess
from .outputs import ChunkOutputs
from .population import Household, Person
from .sources import chinese, compact, iso, slash

__all__ = ["PeopleRecords", "marital_status"]

_REF_ORD: Final = REFERENCE_DATE.toordinal()
_RECENT_BIRTHS: Final = _REF_ORD - 4 * 365  # the birth-certificate extract covers the last four years
_MARRIAGE_RECORDS_FROM: Final = dt.date(1990, 1, 1)
_CHANGSHA: Final = frozenset(c.code for c in divisions.counties_of(divisions.CHANGSHA))
_CERT_LETTERS: Final = {2020: "P", 2021: "Q", 2022: "R", 2023: "S", 2024: "T"}
_SEX_CN: Final = ("女", "男")
_SEX_NUM: Final = ("2", "1")


def marital_status(p: Person) -> str:
    """Married if the spouse is known; otherwise by age, drawn stably from the person's index."""
    if p.spouse is not None:
        return "已婚"
    age = p.age
    if age < 22:
        return "未婚"
    x = p.index * 2_654_435_761 % 100
    if p.household is not None and p.household.kind == "single_parent" and p.relation == "户主":
        return "离婚" if x < 60 else "丧偶"
    if p.relation in ("父亲", "母亲", "岳父", "岳母"):
        return "丧偶" if x < 80 else "离婚"
    if age >= 60:
        return "丧偶" if x < 70 else "离婚" if x < 88 else "未婚"
    return "未婚" if x < 70 else "离婚"


def _police_station(c: Address) -> str:
    county = c.community.county_name
    branch = f"长沙市公安局{county[:-1]}分局" if county.endswith("区") else f"{county}公安局"
    township = c.community.township_name
    for suffix in ("街道", "镇", "乡"):
        township = township.removesuffix(suffix)
    return f"{branch}{township}派出所"


def _registry_office(county_name: str) -> str:
    return f"长沙市{county_name}民政局婚姻登记处" if county_name.endswith("区") else f"{county_name}民政局婚姻登记处"


class PeopleRecords:
    """Writes one chunk's person records to its part files."""

    def __init__(self, out: ChunkOutputs, mess: Mess, rng: random.Random, chunk: int) -> None:
        self.out = out
        self.mess = mess
        self.rng = rng
        self.k = chunk
        self._serial: dict[str, int] = {}
        self._hospitals: dict[str, list[str]] = {}
        for name, county in lexicon.HOSPITALS:
            self._hospitals.setdefault(county, []).append(name)
        self._city_hospitals = [name for name, _ in lexicon.HOSPITALS[:10]]

    def _next(self, source: str) -> int:
        n = self._serial.get(source, 0) + 1
        self._serial[source] = n
        return n

    def household(self, h: Household) -> None:
        for p in h.members:
            self._truth(p)
            if self.rng.random() < 0.97:
                self._hukou(p, h)
            if self.rng.random() < 0.95:
                self._hsa(p)
            self._hrss(p)
            if p.birth.toordinal() >= _RECENT_BIRTHS and p.birth_code in _CHANGSHA and self.rng.random() < 0.98:
                self._birth(p)
            spouse = p.spouse
            if p.male and spouse is not None and p.marriage is not None and p.marriage >= _MARRIAGE_RECORDS_FROM:
                if self.rng.random() < 0.85:
                    self._marriage(p, spouse, p.marriage)

    def _truth(self, p: Person) -> None:
        a = p.address
        assert a is not None and p.household is not None
        employer = p.employer
        self.out.truth(
            "persons",
            (
                p.person_id, p.id_number, p.name, "M" if p.male else "F", iso(p.birth), a.community.code,
                a.address_id, p.household.household_id, p.relation, marital_status(p), p.phone, p.ethnicity[1],
                p.birth_code, p.father.person_id if p.father else "", p.mother.person_id if p.mother else "",
                p.spouse.person_id if p.spouse else "", iso(p.marriage) if p.marriage else "",
                employer.company_id if employer is not None else "",
                p.old_address.address_id if p.old_address else "",
            ),
        )  # fmt: skip

    def _address(self, p: Person, source: str) -> Address:
        a = p.old_address if p.stale_in == source and p.old_address is not None else p.address
        assert a is not None
        return a

    def _emit(self, source: str, row: list[object], key: int, p: Person, variant: int) -> None:
        """Write ``row`` (and, now and then, a duplicate of it) as CSV; ``key`` is the key column."""
        self.out.csv_row(source, row, str(row[key]), p.person_id)
        dup = self.mess.duplicates()
        if dup:
            again = list(row)
            again[key] = self._key(source)
            if dup == 2:
                again[variant] = self.mess.variant(p.name)
            self.out.csv_row(source, again, str(again[key]), p.person_id)

    def _key(self, source: str) -> str:
        n = self._next(source)
        if source == "psb_hukou":
            return f"4301{self.k:02d}{n:08d}"
        if source == "hsa_insured":
            return f"430000{self.k:02d}{n:010d}"
        return f"HY{self.k:02d}{n:08d}"

    # -- 公安局 户籍 ---------------------------------------------------------------------------------------

    def _hukou(self, p: Person, h: Household) -> None:
        m = self.mess
        a = self._address(p, "psb_hukou")
        born = p.birth.toordinal()
        if p.birth_code == a.community.county_code and p.age < 18:  # registered as a newborn
            registered = born + 10 + self.rng.randrange(50)
        else:  # moved in: as an adult, or with the parents
            registered = self.rng.randint(min(born + (18 * 365 if p.age >= 18 else 30), _REF_ORD - 1), _REF_ORD - 1)
        row: list[object] = [
            self._key("psb_hukou"), m.id_number(p.id_number, may_be_missing=False), m.name(p.name),
            _SEX_CN[p.male], p.ethnicity[1], compact(m.birth(p.birth)),
            f"{h.address.community.county_code if h.address else ''}{h.household_id[1:]}", p.relation,
            marital_status(p), "湖南省" + a.text, a.community.code, _police_station(a), m.phone(p.phone),
            compact(dt.date.fromordinal(min(registered, _REF_ORD))),
        ]  # fmt: skip
        self._emit("psb_hukou", row, 0, p, 2)

    # -- 医保局 -------------------------------------------------------------------------------------------

    def _hsa(self, p: Person) -> None:
        m = self.mess
        a = self._address(p, "hsa_insured")
        employer = p.employer
        age = p.age
        if employer is not None:
            insutype, psn_type, emp = "310", "11", employer.name
            start = max(employer.established.toordinal(), p.birth.toordinal() + 18 * 365)
        elif age >= 60 and p.index % 3 == 0:
            insutype, psn_type, emp = "310", "12", ""
            start = p.birth.toordinal() + 25 * 365
        else:
            insutype, psn_type, emp = "390", "14" if is_student(p) else "13", ""
            start = max(p.birth.toordinal() + 30, 733_042)  # 2008-01-01: urban residents' scheme
        begin = dt.date.fromordinal(min(start + self.rng.randrange(200), _REF_ORD - 1))
        row: list[object] = [
            self._key("hsa_insured"), "01", m.id_number(p.id_number), m.name(p.name), _SEX_NUM[p.male],
            iso(m.birth(p.birth)), p.ethnicity[0], m.phone(p.phone), m.text(a.text), insutype, psn_type,
            emp, a.community.county_code, "1" if self.rng.random() < 0.96 else "2", iso(begin),
        ]  # fmt: skip
        self._emit("hsa_insured", row, 0, p, 3)

    # -- 人社局 (JSON lines, 金保 field codes) -----------------------------------------------------------

    def _hrss(self, p: Person) -> None:
        age = p.age
        employer = p.employer
        retired = age >= (60 if p.male else 55)
        if age < 16 or (is_student(p) and employer is None):
            return
        chance = 0.97 if employer is not None else 0.85 if retired else 0.6
        if self.rng.random() >= chance:
            return
        m = self.mess
        a = self._address(p, "hrss_insured")
        employee = employer is not None or (retired and p.index % 5 < 3)
        start = max(p.birth.toordinal() + 20 * 365, 729_025)  # from 1997, when the scheme was unified
        if employer is not None:
            start = max(start, employer.established.toordinal())
        n = self._next("hrss_insured")
        record: dict[str, object] = {
            "aac001": f"1043{self.k:02d}{n:08d}",
            "aac002": m.id_number(p.id_number, may_be_missing=False),
            "aac003": m.name(p.name),
            "aac004": _SEX_NUM[p.male],
            "aac005": p.ethnicity[0],
            "aac006": compact(m.birth(p.birth)),
            "aae005": m.phone(p.phone) or None,
            "aae006": m.text(a.text) or None,
            "aab001": f"43{employer.index:010d}" if employer else None,
            "aab004": employer.name if employer else None,
            "aae140": "110" if employee else "170",
            "aac008": "1" if self.rng.random() < 0.95 else "2",
            "aac084": "1" if retired else "0",
            "aac030": compact(dt.date.fromordinal(min(start + self.rng.randrange(365), _REF_ORD - 1))),
        }
        self.out.json_row("hrss_insured", record, str(record["aac001"]), p.person_id)
        dup = m.duplicates()
        if dup:  # 重复参保: enrolled twice under two personal numbers
            again = dict(record)
            again["aac001"] = f"1043{self.k:02d}{self._next('hrss_insured'):08d}"
            if dup == 2:
                again["aac003"] = m.variant(p.name)
            self.out.json_row("hrss_insured", again, str(again["aac001"]), p.person_id)

    # -- 卫健委 出生医学证明 (XLSX) ----------------------------------------------------------------------

    def _birth(self, p: Person) -> None:
        m, rng = self.mess, self.rng
        a = p.address
        assert a is not None
        local = self._hospitals.get(a.community.county_code, [])
        if local and rng.random() < 0.6:
            hospital = local[rng.randrange(len(local))]
        else:
            hospital = self._city_hospitals[rng.randrange(len(self._city_hospitals))]
        mother, father = p.mother, p.father
        facts: list[object] = [
            _SEX_CN[p.male],
            chinese(p.birth),
            f"{rng.randrange(24):02d}:{rng.randrange(60):02d}",
            (36, 37, 38, 38, 39, 39, 39, 40, 40, 41)[rng.randrange(10)],
            int(rng.gauss(3300, 420)),
            rng.randint(47, 53),
            "湖南省长沙市" + a.community.county_name,
            hospital,
            m.name(mother.name) if mother else "",
            m.id_number(mother.id_number) if mother else "",
            m.name(father.name) if father and not m.missing() else "",
            m.id_number(father.id_number) if father else "",
            "湖南省" + a.text,
        ]
        letter = _CERT_LETTERS.get(p.birth.year, "T")
        issued = p.birth + dt.timedelta(days=rng.randrange(1, 15))
        number = f"{letter}43{self.k:02d}{self._next('hc_birth_certificates'):05d}"
        self.out.xlsx_row("hc_birth_certificates", [number, m.name(p.name), *facts, issued], number, p.person_id)
        if m.duplicates():  # 补发: a replacement certificate under a new number
            again = f"{letter}43{self.k:02d}{self._next('hc_birth_certificates'):05d}"
            reissued = min(issued + dt.timedelta(days=rng.randrange(30, 700)), REFERENCE_DATE)
            self.out.xlsx_row("hc_birth_certificates", [again, p.name, *facts, reissued], again, p.person_id)

    # -- 民政局 婚姻登记 ---------------------------------------------------------------------------------

    def _marriage(self, husband: Person, wife: Person, wed: dt.date) -> None:
        m = self.mess
        a = husband.address
        assert a is not None
        county = a.community
        serial = self._next("marriage_certificate")
        certificate = f"J{county.county_code}-{wed.year}-{self.k:02d}{serial:04d}"
        office = _registry_office(county.county_name)
        for p, spouse in ((husband, wife), (wife, husband)):
            row: list[object] = [
                self._key("mca_marriages"), certificate, m.name(p.name), m.id_number(p.id_number, may_be_missing=False),
                _SEX_CN[p.male], slash(m.birth(p.birth)), "中国", m.name(spouse.name),
                m.id_number(spouse.id_number, may_be_missing=False), slash(wed), office, "结婚登记",
            ]  # fmt: skip
            self._emit("mca_marriages", row, 0, p, 2)

"""Companies, sole proprietors and cooperatives: names, credit codes, legal representatives, staff.

About one market entity per eight residents. Names and credit codes are unique city-wide without any
coordination between chunks: both are bijections of the entity's global index. The name maps the index
through an affine permutation onto (place prefix, two-character trade name, industry), as in
长沙鑫达科技有限公司; the GB 11714 body of the credit code is ``MA4`` and five characters for entities
founded since the 2016 reform (Hunan's new codes begin so) or eight digits for older ones, again
through affine permutations. :func:`xingcheng.standards.uscc.make` adds both check characters.
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Sequence
from itertools import accumulate
from typing import Final

from xingcheng.standards import uscc

from . import lexicon
from .config import REFERENCE_DATE, BatchPlan
from .dwellings import Address, DwellingAllocator
from .geography import Community
from .population import Household, Person

__all__ = ["Company", "CompanyBuilder"]

_ALPHABET: Final = uscc.ALPHABET
_TRADE: Final = lexicon.COMPANY_TRADE_CHARS
_PAIRS: Final = len(_TRADE) ** 2
_NAME_SPACE: Final = len(lexicon.COMPANY_PREFIXES) * len(lexicon.INDUSTRIES) * _PAIRS
_SHOP_SPACE: Final = len(lexicon.SHOP_KINDS) * _PAIRS
_BODY_SPACE: Final = 31**5
_REFORM: Final = dt.date(2016, 1, 1).toordinal()
_START: Final = dt.date(1995, 1, 1).toordinal()
_REF_ORD: Final = REFERENCE_DATE.toordinal()
_FORM_CUM: Final = tuple(accumulate(w for _, _, w in lexicon.COMPANY_FORMS))
_CAPITAL: Final = (10, 30, 50, 100, 100, 200, 300, 500, 500, 1000, 2000, 5000)
_SMALL_CAPITAL: Final = (1, 2, 3, 5, 5, 10, 20, 50)


def _permute(index: int, space: int, multiplier: int, offset: int) -> int:
    """An affine bijection of range(space) (``multiplier`` must be coprime to ``space``)."""
    return (index * multiplier + offset) % space


class Company:
    """One market entity; the truth about it."""

    __slots__ = (
        "address", "capital", "company_id", "county_code", "entity_type", "established", "index",
        "industry", "kind", "legal_rep", "name", "scope", "status", "uscc",
    )  # fmt: skip

    def __init__(self, index: int, kind: str) -> None:
        self.index = index
        self.company_id = f"C{index:08d}"
        self.kind = kind  # enterprise | individual | cooperative
        self.name = ""
        self.uscc = ""
        self.entity_type = ""
        self.industry = ""
        self.scope = ""
        self.legal_rep: Person | None = None
        self.address: Address | None = None
        self.county_code = ""
        self.established = REFERENCE_DATE
        self.status = ""
        self.capital = 0


class CompanyBuilder:
    """Founds a batch's companies among its adults and gives some of the adults a job."""

    def __init__(self, rng: random.Random, communities: Sequence[Community], allocator: DwellingAllocator) -> None:
        self.rng = rng
        self._allocator = allocator
        self._communities = communities
        self._business_cum = tuple(accumulate(c.weight * (3 if c.urban else 1) for c in communities))
        self._villages = [c for c in communities if not c.urban] or list(communities)

    def batch(self, plan: BatchPlan, households: Sequence[Household]) -> list[Company]:
        rng = self.rng
        adults = [p for h in households for p in h.members if 25 <= p.age <= 65]
        companies: list[Company] = []
        if not adults:
            return companies
        for index in range(plan.company_start, plan.company_start + plan.companies):
            x = rng.random()
            kind = "individual" if x < 0.3 else "cooperative" if x < 0.32 else "enterprise"
            company = Company(index, kind)
            if kind == "cooperative":
                community = self._villages[rng.randrange(len(self._villages))]
            else:
                cum = self._business_cum
                community = self._communities[bisect(cum, rng.random() * cum[-1])]
            company.county_code = community.county_code
            company.legal_rep = adults[rng.randrange(len(adults))]
            self._name(company, community)
            self._register(company)
            company.address = self._allocator.office(community, company)
            companies.append(company)
        self._employ(households, companies)
        return companies

    def _name(self, c: Company, community: Community) -> None:
        rng = self.rng
        industry, scope = lexicon.INDUSTRIES[rng.randrange(len(lexicon.INDUSTRIES))]
        if c.kind == "individual":
            h = _permute(c.index, _SHOP_SPACE, 1_000_003, 7_777)
            pair, shop = divmod(h, len(lexicon.SHOP_KINDS))
            kind = lexicon.SHOP_KINDS[shop]
            c.name = f"长沙市{community.county_name}{_trade(pair, c.index // _SHOP_SPACE)}{kind}"
            c.entity_type, c.industry, c.scope = "个体工商户", kind, "零售；餐饮；日常生活服务"
            return
        h = _permute(c.index, _NAME_SPACE, 1_000_003, 12_345)
        rest, pair = divmod(h, _PAIRS)
        prefix, industry_no = divmod(rest, len(lexicon.INDUSTRIES))
        industry, scope = lexicon.INDUSTRIES[industry_no]
        trade = _trade(pair, c.index // _NAME_SPACE)
        if c.kind == "cooperative":
            c.name = f"{community.place_prefix[3:]}{trade}{industry}专业合作社"
            c.entity_type, c.industry, c.scope = "农民专业合作社", industry, "组织成员生产经营；农产品销售"
            return
        suffix, entity_type, _ = lexicon.COMPANY_FORMS[bisect(_FORM_CUM, rng.random() * _FORM_CUM[-1])]
        c.name = f"{lexicon.COMPANY_PREFIXES[prefix]}{trade}{industry}{suffix}"
        c.entity_type, c.industry, c.scope = entity_type, industry, scope

    def _register(self, c: Company) -> None:
        rng = self.rng
        rep = c.legal_rep
        assert rep is not None
        day = _START + int((_REF_ORD - _START) * rng.random() ** 0.6)
        day = max(day, rep.birth.toordinal() + 365 * 20 + rng.randrange(3650))
        day = min(day, _REF_ORD - 1)
        c.established = dt.date.fromordinal(day)
        if day >= _REFORM or c.kind == "individual":
            n = _permute(c.index, _BODY_SPACE, 1_000_033, 424_242)
            chars = ""
            for _ in range(5):
                n, r = divmod(n, 31)
                chars = _ALPHABET[r] + chars
            body = "MA4" + chars
        else:
            body = f"{_permute(c.index, 100_000_000, 7_654_321, 31_415_926):08d}"
        org_type = {"enterprise": "1", "individual": "2", "cooperative": "3"}[c.kind]
        c.uscc = uscc.make("9", org_type, c.county_code, body)
        x = rng.random()
        if day < _REFORM:
            c.status = "存续" if x < 0.75 else "注销" if x < 0.9 else "吊销"
        else:
            c.status = "存续" if x < 0.9 else "注销" if x < 0.98 else "吊销"
        capitals = _SMALL_CAPITAL if c.kind == "individual" else _CAPITAL
        c.capital = capitals[rng.randrange(len(capitals))]

    def _employ(self, households: Sequence[Household], companies: Sequence[Company]) -> None:
        """Give about half of the working-age adults an employer, big firms getting more staff."""
        rng = self.rng
        employers = [c for c in companies if c.status == "存续"]
        if not employers:
            return
        sizes = [rng.paretovariate(1.2) * (0.2 if c.kind == "individual" else 1.0) for c in employers]
        cum = tuple(accumulate(sizes))
        for h in households:
            for p in h.members:
                if 18 <= p.age <= 59 and not is_student(p) and rng.random() < 0.55:
                    p.employer = employers[bisect(cum, rng.random() * cum[-1])]


def is_student(p: Person) -> bool:
    """Children and most people aged 18-22 are in school (decided by index, so it is stable)."""
    age = p.age
    return age < 18 or (age <= 22 and p.index % 10 < 7)


def _trade(pair: int, extra: int) -> str:
    """A two-character trade name; beyond the first full cycle a third character keeps names unique."""
    first, second = divmod(pair, len(_TRADE))
    name = _TRADE[first] + _TRADE[second]
    return name + _TRADE[extra % len(_TRADE)] if extra else name

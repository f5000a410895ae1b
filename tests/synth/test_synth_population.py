"""ID numbers stay unique across chunks without coordination, even when a chunk's lane fills up."""

from __future__ import annotations

import datetime as dt

from xingcheng.standards import idnumber
from xingcheng.synth.config import LANE_WIDTH, MAX_CHUNKS, MessRates, make_rng
from xingcheng.synth.dwellings import DwellingAllocator, communities_of_chunk
from xingcheng.synth.geography import build_geography
from xingcheng.synth.population import BirthPlaces, Person, PopulationBuilder


class _NoSink:
    def address(self, address: object, occupant: object | None, vacant: bool) -> None:
        pass


def _builder(lane: int) -> PopulationBuilder:
    communities = communities_of_chunk(build_geography(1), 0, 1)
    allocator = DwellingAllocator(make_rng(1, "d"), communities, _NoSink())
    rates = MessRates()
    return PopulationBuilder(make_rng(1, "p", lane), 1, lane, communities, allocator, BirthPlaces(),
                             rates.stale_address)  # fmt: skip


def _twins(builder: PopulationBuilder, count: int, birth: dt.date) -> list[Person]:
    people = []
    for i in range(count):
        p = Person(i, True, birth, "户主")
        p.birth_code = "430102"
        builder._number(p)
        people.append(p)
    return people


def test_all_chunks_together_never_collide_on_one_day() -> None:
    birth = dt.date(1990, 5, 17)
    numbers = [p.id_number for lane in range(MAX_CHUNKS) for p in _twins(_builder(lane), LANE_WIDTH, birth)]
    assert len(numbers) == len(set(numbers)) == MAX_CHUNKS * LANE_WIDTH
    assert all(idnumber.parse(n).birth_date == birth for n in numbers)
    assert len({n[14:17] for n in numbers}) == len(numbers)


def test_a_full_lane_moves_the_birth_date_by_a_day() -> None:
    people = _twins(_builder(3), LANE_WIDTH * 3, dt.date(1985, 1, 1))
    assert len({p.id_number for p in people}) == len(people)
    assert {p.birth for p in people} == {dt.date(1985, 1, d) for d in (1, 2, 3)}
    assert all(idnumber.parse(p.id_number).birth_date == p.birth for p in people)


def test_batches_are_families_of_one_to_five() -> None:
    builder = _builder(0)
    households = builder.batch(0, 3_000)
    members = [p for h in households for p in h.members]
    assert [p.index for p in members] == list(range(3_000))
    assert all(1 <= len(h.members) <= 5 for h in households)
    assert all(h.address is not None and all(p.address is h.address for p in h.members) for h in households)

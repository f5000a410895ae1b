"""One unit of parallel work: generate a chunk of persons with their homes, companies and components,
and write every record of it to the chunk's part files.

A chunk is a pure function of (seed, mess rates, plan): it draws from its own generators, seeded from
the run's seed and the chunk index, one per concern so that a change in one (say, more companies) does
not shift the others. Inside the chunk, persons are handled in batches so that a worker's memory stays
bounded by the batch size whatever the size of the city.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .companies import CompanyBuilder
from .components import ComponentBuilder
from .config import ChunkPlan, MessRates, make_rng
from .dwellings import DwellingAllocator, communities_of_chunk
from .geography import build_geography
from .mess import Mess
from .outputs import ChunkOutputs
from .people_records import PeopleRecords
from .place_records import PlaceRecords
from .population import BirthPlaces, Household, PopulationBuilder

__all__ = ["ChunkResult", "ChunkTask", "run_chunk"]


@dataclass(frozen=True, slots=True)
class ChunkTask:
    seed: int
    rates: MessRates
    plan: ChunkPlan
    part_dir: Path


@dataclass(frozen=True, slots=True)
class ChunkResult:
    index: int
    persons: int
    part_dir: Path
    counts: Counter[str]


@functools.cache
def _birth_places() -> BirthPlaces:
    return BirthPlaces()


def _release(households: list[Household]) -> None:
    """Break the batch's reference cycles (person ↔ household, spouse ↔ spouse) once it is written,
    so reference counting frees it at once instead of the cyclic collector, much later: without this a
    worker's memory creeps up with every batch."""
    for household in households:
        for person in household.members:
            person.household = None
            person.spouse = None
        household.members.clear()


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Generate and write one chunk; safe to run in any process, in any order."""
    plan = task.plan
    geography = build_geography(task.seed)
    communities = communities_of_chunk(geography, plan.index, plan.chunks)

    out = ChunkOutputs(task.part_dir)
    try:
        components = ComponentBuilder(make_rng(plan.seed, "components"), plan.index, communities)
        places = PlaceRecords(
            out, Mess(make_rng(plan.seed, "mess-places"), task.rates), make_rng(plan.seed, "places"), plan.index,
            components.new_id,
        )  # fmt: skip
        people = PeopleRecords(out, Mess(make_rng(plan.seed, "mess-people"), task.rates),
                               make_rng(plan.seed, "people"), plan.index)  # fmt: skip
        allocator = DwellingAllocator(make_rng(plan.seed, "dwellings"), communities, places)
        population = PopulationBuilder(
            make_rng(plan.seed, "population"),
            task.seed,
            plan.index,
            communities,
            allocator,
            _birth_places(),
            task.rates.stale_address,
        )
        firms = CompanyBuilder(make_rng(plan.seed, "companies"), communities, allocator)
        for batch in plan.batches:
            households = population.batch(batch.person_start, batch.persons)
            companies = firms.batch(batch, households)
            for household in households:
                people.household(household)
            for company in companies:
                places.company(company)
            for component in components.batch(batch.persons):
                places.component(component)
            _release(households)
    finally:
        out.close()
    return ChunkResult(plan.index, plan.persons, task.part_dir, out.counts)

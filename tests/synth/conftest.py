"""Fixtures for the synthetic-city tests: one small city per session, generated once."""

from __future__ import annotations

import pytest
from synth_helpers import PERSONS, SEED, City, source_rows

from xingcheng.synth import generate


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> City:
    root = tmp_path_factory.mktemp("city")
    return City(root, generate(root, persons=PERSONS, seed=SEED, workers=1))


@pytest.fixture(scope="session")
def city_rows(city: City) -> dict[str, list[dict[str, object]]]:
    return {spec.id: rows for spec, rows in source_rows(city)}

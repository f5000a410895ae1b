"""Fixtures of the registry tests: one small synthetic city and its trained models per test session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from registry_helpers import computed_for, small_city


@pytest.fixture(scope="session")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return small_city(tmp_path_factory)


@pytest.fixture(scope="session")
def models(city: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    result = computed_for(city)
    return result.person_model, result.company_model

"""Schemathesis against the gateway's OpenAPI (generated per service from the ledger's fields): no input,
valid or invalid, gives a 5xx, and no response carries a personal field unmasked. Bounded: a few dozen
examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from exchange_helpers import evidence, grant_people, make_world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from xingcheng.exchange.openapi import services_document
from xingcheng.ledger.service import field_spec

PERSONAL = {"id_number", "name", "phone", "address", "birth_date"}


def _masked(value) -> bool:
    return value is None or "*" in str(value)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_gateway_openapi_fuzz(app, database, cast, client, mode) -> None:
    world = make_world(app, database, cast, n=30)
    grant_people(database, world, cast, rate_per_second=10_000.0)
    grant_people(database, world, cast, resource=world.batch, rate_per_second=10_000.0)
    from xingcheng.ledger.schema import ResourceSchema

    with database.session() as db:
        from xingcheng.ledger import service as ledger

        r = ledger.get_resource(db, world.people.id)
        schema = ResourceSchema(
            code=r.code, name=r.name, department_code="", fields=tuple(field_spec(f) for f in r.fields)
        )
    services = [(schema, f"{r.code}.{op}", op, "", r.name, None, None) for op in ("lookup", "search", "verify")]
    batch_schema = ResourceSchema(code=world.batch.code, name="", department_code="", fields=schema.fields)
    services.append((batch_schema, f"{world.batch.code}.extract", "extract", "", "batch", None, None))
    doc = services_document("people", services)
    # The spec served by the hub is the one fuzzed.
    served = client.get(f"/api/exchange/v1/services/{r.code}.lookup/openapi.json", headers={"X-API-Key": world.api_key})
    assert (
        served.status_code == 200
        and served.json()["paths"]
        == services_document("x", [(schema, f"{r.code}.lookup", "lookup", "", r.name, None, None)])["paths"]
    )
    spec = schemathesis.openapi.from_dict(doc)
    headers = {"X-API-Key": world.api_key, **evidence()}
    # Real ID numbers of the lake's rows, so positive lookups find records to mask.
    ids = [p["id_number"] for p in world.rows]
    seen_ok = 0
    for result in spec.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=12,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode), pick=st.sampled_from(ids), known=st.booleans())
        def run(case, pick, known) -> None:
            nonlocal seen_ok
            body = case.body
            if known and isinstance(body, dict):
                for member in ("key", "values"):
                    if isinstance(body.get(member), dict) and "id_number" in body[member]:
                        body[member]["id_number"] = pick
            if isinstance(body, bytes | str):
                sent = {"content": body, "headers": {**headers, "Content-Type": "application/json"}}
            else:
                sent = {"json": body, "headers": headers}
            r = client.request(case.method, case.formatted_path, **sent)
            assert r.status_code < 500, (case.formatted_path, r.status_code, r.text[:200])
            if r.status_code != 200:
                for value in ids:
                    assert value not in r.text
                return
            seen_ok += 1
            data = r.json()
            records = data.get("records") or ([data["record"]] if data.get("record") else [])
            for record in records:
                for name in PERSONAL & set(record):
                    assert _masked(record[name]), (name, record[name])
            for value in ids:
                assert value not in r.text

        run()
    assert mode is GenerationMode.NEGATIVE or seen_ok > 0

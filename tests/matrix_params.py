"""Path-parameter values for the authorisation matrix (tests/web/test_authz_matrix.py).

One entry per path-parameter name used by any route. Each entry receives a ``MatrixContext`` (the app, the
database and the standard cast) and returns the value to put in the path — creating the object it names
when needed, owned by the cast's first department so that permitted callers are not refused by
department scope. A route whose parameter has no entry here fails the matrix with a clear message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class MatrixContext:
    app: Any
    database: Any
    cast: Any


PARAMS: dict[str, Callable[[MatrixContext], object]] = {
    "department_id": lambda ctx: ctx.cast.department_id,
    "user_id": lambda ctx: ctx.cast.users["analyst"],
    "citizen_id": lambda ctx: ctx.cast.citizen_id,
    "client_id": lambda ctx: ctx.cast.client_id,
    "key_id": lambda ctx: ctx.cast.key_id,
    "lang": lambda ctx: "en",
    "ckan_action": lambda ctx: "status_show",
    "source_name": lambda ctx: _harvest_source(ctx),
    # The exchange: ids that name nothing give 404 to permitted callers (never 401/403), which is what the
    # matrix checks; tests/exchange covers the same routes with real objects and department scope.
    "service_code": lambda ctx: "matrix-none.lookup",
    "request_id": lambda ctx: 999_999,
    "grant_id": lambda ctx: 999_999,
    "seq": lambda ctx: 999_999,
    "resource_id": lambda ctx: _ledger_resource(ctx).id,
    "resource_code": lambda ctx: _ledger_resource(ctx).code,
    "arbitration_id": lambda ctx: _ledger_arbitration(ctx),
    # The lake: ids that name nothing give 404 to permitted callers; tests/lake covers the same routes with
    # real loads, uploads and pulls, and their department scope.
    "load_id": lambda ctx: 999_999,
    "upload_id": lambda ctx: 999_999,
    "pull_id": lambda ctx: 999_999,
    # The registries: keys that name nothing give 404 to permitted callers; tests/registries covers the same
    # routes with a built registry.
    "person_no": lambda ctx: "RK9999999999",
    "uscc": lambda ctx: "91430100MA4L000000",
    "address_code": lambda ctx: "43010000000000000000000",
    "issue_id": lambda ctx: 999_999,
}


def _ledger_resource(ctx: MatrixContext, name: str = "矩阵测试资源", claim: bool = False):
    """A draft data-ledger resource of the cast's department (its data item person.matrix is claimed)."""
    from xingcheng.ledger import service as ledger
    from xingcheng.ledger.schemas import FieldIn, ResourceIn

    with ctx.database.session() as db:
        return ledger.create_resource(
            db,
            ResourceIn(
                name=name,
                abstract="授权矩阵用",
                class_code="1-01-001",
                department_id=ctx.cast.department_id,
                share_type="unconditional",
                share_methods=["file"],
                fields=[FieldIn(name="x", label="甲", data_item="person.matrix", authoritative=True)],
                claim_arbitration=claim,
            ),
            ledger.SYSTEM,
        )


def _ledger_arbitration(ctx: MatrixContext) -> int:
    """A pending 一数一源 arbitration: a second resource claims person.matrix."""
    from xingcheng.ledger import repository as ledger_repo

    _ledger_resource(ctx, "矩阵测试资源甲")
    _ledger_resource(ctx, "矩阵测试资源乙", claim=True)
    with ctx.database.session() as db:
        return ledger_repo.list_arbitrations(db)[0].id


def _harvest_source(ctx: MatrixContext) -> str:
    """A harvest source of the cast's department pointing at a closed loopback port (the run fails fast)."""
    from xingcheng.ledger.publish import repository as publish_repo
    from xingcheng.ledger.publish.models import HarvestSource

    with ctx.database.session() as db:
        if publish_repo.source_by_name(db, "matrix-peer") is None:
            db.add(
                HarvestSource(
                    name="matrix-peer",
                    title="matrix peer",
                    url="http://127.0.0.1:9",
                    kind="peer",
                    department_id=ctx.cast.department_id,
                )
            )
    return "matrix-peer"

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
}

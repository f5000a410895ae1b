"""Every route of an app with the permission it declares — for the meta-tests and ``/-/routes``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from xingcheng.core.deps import Requires

__all__ = ["RouteInfo", "declared_permission", "iter_routes"]


@dataclass(frozen=True, slots=True)
class RouteInfo:
    path: str
    methods: frozenset[str]
    name: str
    permission: str | None


def declared_permission(dependant: Any) -> str | None:
    """The permission named by the ``Requires`` dependency nearest the route (None when missing)."""
    if dependant is None:
        return None
    for dep in dependant.dependencies:
        if isinstance(dep.call, Requires):
            return dep.call.permission
    for dep in dependant.dependencies:
        found = declared_permission(dep)
        if found:
            return found
    return None


def iter_routes(app: FastAPI) -> list[RouteInfo]:
    out = []
    for ctx in iter_route_contexts(app.routes):
        methods = ctx.methods
        if not methods:  # mounts (static files) and websockets are listed separately
            continue
        out.append(
            RouteInfo(
                path=ctx.path or "",
                methods=frozenset(methods) - {"HEAD"},
                name=ctx.name or "",
                permission=declared_permission(getattr(ctx, "dependant", None)),
            )
        )
    return out

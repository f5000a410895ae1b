"""Who is making a request: anonymous, a member of staff, a citizen or an API client."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from xingcheng.core.permissions import AUTHENTICATED, PUBLIC, Role

__all__ = ["ANONYMOUS", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    kind: Literal["anonymous", "user", "citizen", "api_client"]
    id: int | None = None
    display_name: str = ""
    department_id: int | None = None
    roles: frozenset[Role] = field(default_factory=frozenset)
    permissions: frozenset[str] = field(default_factory=frozenset)
    session_token: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def ref(self) -> str:
        """A log-safe reference: kind and numeric id, never a name."""
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind

    def has(self, permission: str) -> bool:
        if permission == PUBLIC:
            return True
        if permission == AUTHENTICATED:
            return self.is_authenticated
        return permission in self.permissions


ANONYMOUS = Principal(kind="anonymous")

"""Permissions of publishing and federation, and the built-in roles that hold them.

The CKAN and DCAT routes are ``PUBLIC``: what a caller sees is decided inside (``visibility.py``). Holding
``ledger.publish.shared`` lets a caller see the shareable catalog (include_private), which is what a peer or
higher hub harvests with its API key. Running a harvest is department-scoped for data administrators: the
department that stands for a lower hub may ask us to harvest that hub (publish-up), nothing else.
"""

from __future__ import annotations

from xingcheng.core.permissions import STAFF_ROLES, Permission
from xingcheng.core.permissions import Role as R

__all__ = ["HARVEST_MANAGE", "HARVEST_RUN", "HARVEST_VIEW", "PERMISSIONS", "SHARED_VIEW"]

SHARED_VIEW = "ledger.publish.shared"
HARVEST_VIEW = "ledger.harvest.view"
HARVEST_RUN = "ledger.harvest.run"
HARVEST_MANAGE = "ledger.harvest.manage"

PERMISSIONS = [
    Permission(SHARED_VIEW, "perm.ledger.publish.shared", frozenset(STAFF_ROLES)),
    Permission(HARVEST_VIEW, "perm.ledger.harvest.view", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN, R.APPROVER})),
    Permission(HARVEST_RUN, "perm.ledger.harvest.run", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN, R.APPROVER})),
    Permission(HARVEST_MANAGE, "perm.ledger.harvest.manage", frozenset({R.PLATFORM_ADMIN})),
]

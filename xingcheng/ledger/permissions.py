"""Permissions of the data ledger and the built-in roles that hold them.

Department scope comes on top: a data administrator edits and imports only their own department's
resources (checked in ``service``); the bureau's approver reviews every department's.
"""

from __future__ import annotations

from xingcheng.core.permissions import STAFF_ROLES, Permission
from xingcheng.core.permissions import Role as R

__all__ = ["IMPORT", "PERMISSIONS", "RESOURCE_EDIT", "RESOURCE_REVIEW", "RESOURCE_VIEW"]

RESOURCE_VIEW = "ledger.resource.view"
RESOURCE_EDIT = "ledger.resource.edit"
RESOURCE_REVIEW = "ledger.resource.review"
IMPORT = "ledger.import"

PERMISSIONS = [
    Permission(RESOURCE_VIEW, "perm.ledger.resource.view", frozenset(STAFF_ROLES)),
    Permission(RESOURCE_EDIT, "perm.ledger.resource.edit", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN})),
    Permission(RESOURCE_REVIEW, "perm.ledger.resource.review", frozenset({R.PLATFORM_ADMIN, R.APPROVER})),
    Permission(IMPORT, "perm.ledger.import", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN})),
]

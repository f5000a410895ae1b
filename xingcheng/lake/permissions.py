"""Permissions of the lake and the built-in roles that hold them.

Viewing a resource's versions, scorecards, lineage and *masked* quarantine samples needs ``lake.view``;
loading needs ``lake.load`` and managing profiles and database pulls ``lake.manage`` — both limited to the
caller's own department (checked in the routes) unless the caller is the platform administrator.
"""

from __future__ import annotations

from xingcheng.core.permissions import Permission
from xingcheng.core.permissions import Role as R

__all__ = ["LOAD", "MANAGE", "PERMISSIONS", "VIEW"]

VIEW = "lake.view"
LOAD = "lake.load"
MANAGE = "lake.manage"

PERMISSIONS = [
    Permission(VIEW, "perm.lake.view", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN, R.APPROVER, R.ANALYST})),
    Permission(LOAD, "perm.lake.load", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN})),
    Permission(MANAGE, "perm.lake.manage", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN})),
]

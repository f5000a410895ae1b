"""Permissions of the registries and the built-in roles that hold them.

Department scope comes on top (checked in the routes): a data administrator sees and resolves the
data-quality issues addressed to their own department; the bureau's approver sees every department's.
"""

from __future__ import annotations

from xingcheng.core.permissions import STAFF_ROLES, Permission
from xingcheng.core.permissions import Role as R

__all__ = ["PERMISSIONS"]

VIEW = "registries.view"
PERSON_VIEW = "registries.person.view"
ISSUE_VIEW = "registries.issue.view"
ISSUE_RESOLVE = "registries.issue.resolve"
BUILD = "registries.build"

PERMISSIONS = [
    Permission(VIEW, "perm.registries.view", frozenset(STAFF_ROLES)),
    Permission(PERSON_VIEW, "perm.registries.person.view", frozenset({R.DATA_ADMIN, R.CASE_HANDLER, R.GRID_WORKER})),
    Permission(ISSUE_VIEW, "perm.registries.issue.view", frozenset({R.DATA_ADMIN, R.APPROVER})),
    Permission(ISSUE_RESOLVE, "perm.registries.issue.resolve", frozenset({R.DATA_ADMIN})),
    Permission(BUILD, "perm.registries.build", frozenset({R.PLATFORM_ADMIN})),
]

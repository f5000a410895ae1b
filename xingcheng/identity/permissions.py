"""Permissions of the identity domain and the built-in roles that hold them."""

from __future__ import annotations

from xingcheng.core.permissions import STAFF_ROLES, Permission
from xingcheng.core.permissions import Role as R

__all__ = ["PERMISSIONS"]

DEPARTMENT_VIEW = "identity.department.view"
DEPARTMENT_MANAGE = "identity.department.manage"
USER_VIEW = "identity.user.view"
USER_MANAGE = "identity.user.manage"
CITIZEN_VIEW = "identity.citizen.view"
CLIENT_VIEW = "identity.client.view"
CLIENT_MANAGE = "identity.client.manage"

PERMISSIONS = [
    Permission(DEPARTMENT_VIEW, "perm.identity.department.view", frozenset(STAFF_ROLES)),
    Permission(DEPARTMENT_MANAGE, "perm.identity.department.manage", frozenset({R.PLATFORM_ADMIN})),
    Permission(USER_VIEW, "perm.identity.user.view", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN})),
    Permission(USER_MANAGE, "perm.identity.user.manage", frozenset({R.PLATFORM_ADMIN})),
    Permission(CITIZEN_VIEW, "perm.identity.citizen.view", frozenset({R.PLATFORM_ADMIN, R.CASE_HANDLER})),
    Permission(CLIENT_VIEW, "perm.identity.client.view", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN})),
    Permission(CLIENT_MANAGE, "perm.identity.client.manage", frozenset({R.PLATFORM_ADMIN, R.DATA_ADMIN})),
]

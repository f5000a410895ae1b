"""Permissions of the exchange and the built-in roles that hold them.

Department scope comes on top (checked in ``service``): a data administrator decides requests for and
suspends grants on their own department's resources; a consumer sees their own department's requests and
grants; the bureau's approver sees and decides everything, escalated requests included.
"""

from __future__ import annotations

from xingcheng.core.permissions import STAFF_ROLES, Permission
from xingcheng.core.permissions import Role as R

__all__ = ["PERMISSIONS"]

SERVICE_VIEW = "exchange.service.view"
REQUEST_CREATE = "exchange.request.create"
REQUEST_VIEW = "exchange.request.view"
REQUEST_DECIDE = "exchange.request.decide"
GRANT_MANAGE = "exchange.grant.manage"
OVERSEE = "exchange.oversee"
GATEWAY_CALL = "exchange.gateway.call"
AUDIT_VIEW = "exchange.audit.view"
AUDIT_PROOF = "exchange.audit.proof"

PERMISSIONS = [
    Permission(SERVICE_VIEW, "perm.exchange.service.view", frozenset(STAFF_ROLES)),
    Permission(REQUEST_CREATE, "perm.exchange.request.create", frozenset({R.DATA_ADMIN, R.ANALYST})),
    Permission(REQUEST_VIEW, "perm.exchange.request.view", frozenset({R.DATA_ADMIN, R.ANALYST, R.APPROVER})),
    Permission(REQUEST_DECIDE, "perm.exchange.request.decide", frozenset({R.DATA_ADMIN, R.APPROVER})),
    Permission(GRANT_MANAGE, "perm.exchange.grant.manage", frozenset({R.DATA_ADMIN, R.APPROVER})),
    Permission(OVERSEE, "perm.exchange.oversee", frozenset({R.APPROVER})),
    Permission(GATEWAY_CALL, "perm.exchange.gateway.call", frozenset({R.ANALYST, R.CASE_HANDLER, R.DATA_ADMIN})),
    Permission(AUDIT_VIEW, "perm.exchange.audit.view", frozenset({R.DATA_ADMIN, R.APPROVER})),
    Permission(AUDIT_PROOF, "perm.exchange.audit.proof", frozenset(STAFF_ROLES)),
]

"""The audit log: every kind of tampering with the real table makes `xingcheng audit verify` exit non-zero;
proofs over the API check out against an independent verifier and the published key."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from exchange_helpers import fresh_runtime
from sqlalchemy import text
from test_exchange_merkle import root_from_path
from typer.testing import CliRunner

from xingcheng.exchange.audit import merkle
from xingcheng.exchange.audit.signer import tree_head_message
from xingcheng.exchange.audit.verify import verify_log

from support import login


def _fill(app, database, n: int = 40, every: int = 10) -> None:
    from xingcheng.exchange.audit.log import SignPolicy

    rt = fresh_runtime(app)
    rt.audit.policy = SignPolicy(every, 300)
    with database.session() as db:
        for i in range(n):
            rt.audit.append(
                db,
                kind="call",
                action="lookup",
                outcome="ok",
                actor=f"api_client:{i % 3}",
                service_code="s.lookup",
                purpose="户籍办理",
                case_ref=f"C-{i}",
                fields=["id_number"],
                row_count=1,
            )


def _verify(app, database):
    with database.session() as db:
        return verify_log(db, fresh_runtime(app).audit.key)


def _cli_verify(app, monkeypatch) -> int:
    from xingcheng.cli import context
    from xingcheng.cli.main import _add_plugin_commands
    from xingcheng.cli.main import app as cli

    settings = app.state.settings
    monkeypatch.setenv("XINGCHENG_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("XINGCHENG_DATABASE_URL", settings.resolved_database_url)
    context.hub.cache_clear()
    _add_plugin_commands()
    result = CliRunner().invoke(cli, ["audit", "verify", "--quiet"])
    context.hub.cache_clear()
    return result.exit_code


def test_intact_log_verifies(app, database, monkeypatch) -> None:
    _fill(app, database)
    report = _verify(app, database)
    assert report.ok and report.entries == 40 and report.heads_checked >= 1
    assert _cli_verify(app, monkeypatch) == 0


def _exec(database, sql: str, **params) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(sql), params)


@pytest.mark.parametrize("kind", ["edited", "deleted", "inserted", "reordered", "deleted_tail"])
def test_tampering_is_caught(app, database, monkeypatch, kind: str) -> None:
    _fill(app, database)
    t = "exchange_audit_entry"
    if kind == "edited":
        _exec(database, f"UPDATE {t} SET row_count = 5000 WHERE seq = 17")
    elif kind == "deleted":
        _exec(database, f"DELETE FROM {t} WHERE seq = 9")
    elif kind == "deleted_tail":
        # A thorough attacker also rewrites the head row; the signed head of 30 entries still catches it.
        _exec(database, f"DELETE FROM {t} WHERE seq >= 25")
        _exec(
            database,
            f"UPDATE exchange_audit_state SET size = 24, last_hash = (SELECT entry_hash FROM {t} WHERE seq = 24)",
        )
    elif kind == "inserted":
        # Shift the later entries up and slip a forged entry, hashed correctly, into the gap.
        _exec(database, f"UPDATE {t} SET seq = seq + 1000 WHERE seq > 20")
        _exec(database, f"UPDATE {t} SET seq = seq - 999 WHERE seq > 1000")
        with database.engine.begin() as conn:
            prev = conn.execute(text(f"SELECT entry_hash FROM {t} WHERE seq = 20")).scalar_one()
        from xingcheng.core.db import utcnow
        from xingcheng.exchange.audit.canonical import canonical_bytes

        values = {
            "seq": 21,
            "at": utcnow(),
            "kind": "call",
            "action": "lookup",
            "outcome": "ok",
            "actor": "api_client:9",
            "client_id": None,
            "consumer_department_id": None,
            "provider_department_id": None,
            "grant_id": None,
            "request_id": None,
            "service_code": "s.lookup",
            "resource_code": None,
            "purpose": "x",
            "case_ref": "",
            "end_user": "",
            "fields": [],
            "row_count": 0,
            "xc_request_id": "",
            "request_hash": "",
            "response_hash": "",
            "detail": {},
            "prev_hash": prev,
        }
        with database.session() as db:
            from xingcheng.exchange.models import AuditEntry

            db.add(AuditEntry(**values, entry_hash=merkle.leaf_hash(canonical_bytes(values)).hex()))
    elif kind == "reordered":
        _exec(database, f"UPDATE {t} SET seq = -1 WHERE seq = 12")
        _exec(database, f"UPDATE {t} SET seq = 12 WHERE seq = 13")
        _exec(database, f"UPDATE {t} SET seq = 13 WHERE seq = -1")
    report = _verify(app, database)
    assert not report.ok
    expected = {"deleted_tail": "deleted"}.get(kind, kind)
    assert expected in report.kinds, report.problems
    assert _cli_verify(app, monkeypatch) == 1


def test_proofs_over_the_api(app, database, client, cast) -> None:
    _fill(app, database, 37)
    login(client, "analyst")
    head = client.get("/api/exchange/audit/tree-head").json()
    jwks = client.get("/.well-known/audit-jwks.json").json()
    key = jwks["keys"][0]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["kid"] == head["kid"]
    public = Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4)))
    sig = base64.urlsafe_b64decode(head["signature"] + "=" * (-len(head["signature"]) % 4))
    public.verify(sig, tree_head_message(head["tree_size"], head["timestamp"], bytes.fromhex(head["root_hash"])))

    size = head["tree_size"]
    for index in (0, 5, size - 1):
        proof = client.get(
            "/api/exchange/audit/proofs/inclusion", params={"leaf_index": index, "tree_size": size}
        ).json()
        entry = client.get(f"/api/exchange/audit/entries/{index + 1}")
        assert entry.status_code == 403  # analysts may prove, not read entries
        root = root_from_path(
            bytes.fromhex(proof["leaf_hash"]), index, size, [bytes.fromhex(x) for x in proof["audit_path"]]
        )
        assert root.hex() == head["root_hash"]
    # The entry's own hash: SHA-256(0x00 || canonical bytes).
    client.cookies.clear()
    login(client, "approver")
    entry = client.get("/api/exchange/audit/entries/1").json()
    import datetime as dt

    from xingcheng.exchange.audit.canonical import canonical_bytes

    values = {**entry, "at": dt.datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))}
    assert hashlib.sha256(b"\x00" + canonical_bytes(values)).hexdigest() == entry["entry_hash"]
    c = client.get("/api/exchange/audit/proofs/consistency", params={"first": 10, "second": size}).json()
    assert merkle.verify_consistency(
        10,
        size,
        [bytes.fromhex(x) for x in c["proof"]],
        bytes.fromhex(c["first_root"]),
        bytes.fromhex(head["root_hash"]),
    )
    assert c["second_root"] == head["root_hash"]
    assert (
        client.get("/api/exchange/audit/proofs/inclusion", params={"leaf_index": size, "tree_size": size}).status_code
        == 422
    )


def test_heads_are_signed_every_n_entries(app, database) -> None:
    from sqlalchemy import select

    from xingcheng.exchange.models import TreeHead

    _fill(app, database, 25, every=10)
    every = 10
    with database.session() as db:
        sizes = list(db.scalars(select(TreeHead.tree_size)))
    assert sizes == [1, 10, 20] and all(s == 1 or s % every == 0 for s in sizes)

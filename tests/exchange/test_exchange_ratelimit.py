"""Token buckets and daily volumes per grant, in-process and in Redis (a real server on 127.0.0.1:6379)."""

from __future__ import annotations

import uuid

import pytest
from exchange_helpers import call, grant_people, make_world

from xingcheng.exchange.ratelimit import LocalLimiter, RedisLimiter

from support import need_service


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_local_bucket_refills_at_the_rate() -> None:
    clock = Clock()
    lim = LocalLimiter(clock)
    assert [lim.take(1, 2.0, 3).allowed for _ in range(4)] == [True, True, True, False]
    denied = lim.take(1, 2.0, 3)
    assert not denied.allowed and 0 < denied.retry_after <= 0.5
    clock.now += 0.5
    assert lim.take(1, 2.0, 3).allowed and not lim.take(1, 2.0, 3).allowed
    assert lim.take(2, 2.0, 3).allowed  # buckets are per grant
    assert lim.rows_left(1, 10) == 10
    lim.add_rows(1, 7)
    assert lim.rows_left(1, 10) == 3


@pytest.fixture
def redis_limiter():
    need_service("Redis", 6379)
    lim = RedisLimiter("redis://127.0.0.1:6379/0", f"xingcheng-test:{uuid.uuid4().hex}:")
    yield lim
    for key in lim.client.scan_iter(match=lim.prefix + "*"):
        lim.client.delete(key)
    lim.client.close()


def test_redis_bucket_is_shared_between_workers(redis_limiter) -> None:
    other = RedisLimiter("redis://127.0.0.1:6379/0", redis_limiter.prefix)  # a second worker, same counters
    try:
        got = [w.take(7, 0.001, 4).allowed for _ in range(3) for w in (redis_limiter, other)]
        assert got.count(True) == 4
        denied = other.take(7, 0.001, 4)
        assert not denied.allowed and denied.retry_after > 0
        redis_limiter.add_rows(7, 40)
        assert other.rows_left(7, 100) == 60
    finally:
        other.client.close()


def test_rate_limit_through_the_gateway_in_redis(app, database, cast, client, redis_limiter) -> None:
    world = make_world(app, database, cast, n=5)
    world.rt.limiter = redis_limiter
    grant_people(database, world, cast, rate_per_second=0.01)  # burst max(1, 2 × rate) = 1
    body = {"key": {"id_number": world.rows[0]["id_number"]}}
    service = world.service(world.people, "lookup")
    assert call(client, world, service, body).status_code == 200
    r = call(client, world, service, body)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    from sqlalchemy import select

    from xingcheng.exchange.models import AuditEntry

    with database.session() as db:
        assert db.scalars(select(AuditEntry.outcome).order_by(AuditEntry.seq.desc())).first() == "refused:rate_limited"

"""The federation part of the demo city: Changsha's peers (Zhuzhou, Xiangtan) and the province above it.

Sources are configuration: each names a hub that can be started beside the demo, e.g.
``XINGCHENG_HUB_NAME=zhuzhou XINGCHENG_CITY_CODE=4302 xingcheng demo --port 8001 --data-dir var-zhuzhou``.
"""

from __future__ import annotations

from typing import Any

from xingcheng.ledger.publish import repository as repo
from xingcheng.ledger.publish.schemas import HarvestSourceIn
from xingcheng.ledger.publish.service import add_source

__all__ = ["DEMO_SOURCES", "build"]

DEMO_SOURCES = [
    HarvestSourceIn(name="zhuzhou", title="株洲市政务数据资源目录", url="http://127.0.0.1:8001", kind="peer"),
    HarvestSourceIn(name="xiangtan", title="湘潭市政务数据资源目录", url="http://127.0.0.1:8002", kind="peer"),
    HarvestSourceIn(name="hunan", title="湖南省政务数据共享平台", url="http://127.0.0.1:8100", kind="upper"),
]


def build(context: Any) -> None:
    for source in DEMO_SOURCES:
        if repo.source_by_name(context.session, source.name) is None:
            add_source(context.session, source)

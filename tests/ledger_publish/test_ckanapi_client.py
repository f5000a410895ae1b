"""The real ckanapi client (4.11) against a live hub on a loopback port: RemoteCKAN and its command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from ckanapi import NotAuthorized, NotFound, RemoteCKAN, SearchQueryError, ValidationError
from publish_helpers import serve, small_catalog

CKANAPI = str(Path(sys.executable).with_name("ckanapi"))


@pytest.fixture
def live(app, database):
    catalog = small_catalog(app, database)
    with serve(app) as url:
        yield url, catalog


def test_remote_ckan(live) -> None:
    url, catalog = live
    with RemoteCKAN(url, user_agent="xingcheng-tests") as ckan:
        status = ckan.action.status_show()
        assert status["site_title"] == "长沙市政务数据资源目录"
        found = ckan.action.package_search(q="人口", rows=10)
        assert [p["id"] for p in found["results"]] == [catalog["open"]]
        page = ckan.action.package_search(
            fq="metadata_modified:[2000-01-01T00:00:00Z TO *]", sort="id asc", rows=1, start=0
        )
        assert page["count"] == 2 and len(page["results"]) == 1
        pkg = ckan.action.package_show(id=catalog["cond"])
        assert pkg["open_type"] == "conditional"
        assert ckan.action.resource_show(id=pkg["resources"][0]["id"])["package_id"] == pkg["id"]
        assert ckan.action.organization_list() == ["gaj", "wjw"]
        assert "1-01" in ckan.action.group_list()
        assert "人口" in ckan.action.tag_list()
        with pytest.raises(NotFound):
            ckan.action.package_show(id="no-such-entry")
        with pytest.raises(NotAuthorized):
            ckan.action.package_show(id=catalog["shared"])
        with pytest.raises(SearchQueryError):
            ckan.action.package_search(fq="colour:red")
        with pytest.raises(ValidationError):
            ckan.action.package_search(rows="many")
    # GET-only clients work too.
    with RemoteCKAN(url, get_only=True) as ckan:
        assert ckan.action.package_search(fq="organization:wjw")["count"] == 1


def test_remote_ckan_with_a_key_sees_the_shareable_catalog(live) -> None:
    url, catalog = live
    with RemoteCKAN(url, apikey=catalog["key"]) as ckan:
        ids = {p["id"] for p in ckan.action.package_search(include_private=True, rows=1000)["results"]}
        assert ids == {catalog["open"], catalog["cond"], catalog["shared"]}
        assert ckan.action.package_show(id=catalog["shared"])["private"] is True
    with RemoteCKAN(url, apikey="xck_not-a-real-key") as ckan, pytest.raises(NotAuthorized):
        ckan.action.package_search()


def test_ckanapi_command_line(live) -> None:
    url, catalog = live
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINGCHENG_")}
    r = subprocess.run(
        [CKANAPI, "action", "package_search", "q=人口", "rows:5", "-r", url],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert result["count"] == 1 and result["results"][0]["id"] == catalog["open"]
    r = subprocess.run(
        [CKANAPI, "action", "package_search", "include_private:true", "-r", url, "-a", catalog["key"]],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["count"] == 3

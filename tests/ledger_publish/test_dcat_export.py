"""DCAT-AP 3.0 export: zero SHACL violations against the official shapes, hydra paging, modified_since."""

from __future__ import annotations

import warnings

import pyshacl
import pytest
from fastapi.testclient import TestClient
from publish_helpers import SHAPES_DIR, publish_resource, small_catalog
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, SH

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
NON_PUBLIC = URIRef("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC")


def shapes(name: str) -> Graph:
    path = SHAPES_DIR / name
    assert path.exists(), f"the DCAT-AP shapes are expected in {SHAPES_DIR} (../shared beside the repository)"
    return Graph().parse(path)


def violations(data: Graph, shape_file: str) -> list[str]:
    conforms, report, text = pyshacl.validate(data, shacl_graph=shapes(shape_file), inference="none")
    found = [str(r) for r in report.subjects(SH.resultSeverity, SH.Violation)]
    assert conforms == (not list(report.subjects(RDF.type, SH.ValidationResult))), text
    return found


@pytest.fixture
def catalog(app, database) -> dict:
    out = small_catalog(app, database)
    with database.session() as db:
        publish_resource(db, out["departments"][0], "身份核验能力", class_code="2-12-002", kind="capability")
    return out


def fetch(client: TestClient, fmt: str, **params) -> Graph:
    headers = params.pop("headers", {})
    r = client.get(f"/catalog.{fmt}", params=params, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/turtle" if fmt == "ttl" else "application/ld+json")
    if fmt == "ttl":
        return Graph().parse(data=r.text, format="turtle")
    with warnings.catch_warnings():
        # rdflib 7.6's JSON-LD parser itself still calls its deprecated ConjunctiveGraph; not our code.
        warnings.simplefilter("ignore", DeprecationWarning)
        return Graph().parse(data=r.text, format="json-ld")


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_export_has_zero_violations(client: TestClient, catalog: dict, fmt: str) -> None:
    g = fetch(client, fmt, include_private="true", headers={"X-CKAN-API-Key": catalog["key"]})
    assert len(list(g.subjects(RDF.type, DCAT.Dataset))) == 3  # open, conditional, shared-only
    assert len(list(g.subjects(RDF.type, DCAT.DataService))) == 1  # the capability
    assert violations(g, "shapes.ttl") == []
    assert violations(g, "range.ttl") == []  # the class ranges hold too


def test_mapping(client: TestClient, catalog: dict) -> None:
    g = fetch(client, "ttl", include_private="true", headers={"X-CKAN-API-Key": catalog["key"]})
    shared = next(s for s in g.subjects(RDF.type, DCAT.Dataset) if (s, DCTERMS.accessRights, NON_PUBLIC) in g)
    assert g.value(shared, DCTERMS.title) == Literal("流动人口登记信息", lang="zh")
    description = str(g.value(shared, DCTERMS.description))
    assert "联系电话" in description and "个人信息" in description  # the information items
    publisher = g.value(shared, DCTERMS.publisher)
    assert (publisher, RDF.type, URIRef("http://xmlns.com/foaf/0.1/Agent")) in g
    # Anonymous callers never see the shared-only entry, whatever they ask for.
    public = fetch(client, "ttl", include_private="true")
    assert not list(public.subjects(DCTERMS.accessRights, NON_PUBLIC))


def test_paging_and_modified_since(client: TestClient, catalog: dict) -> None:
    first = fetch(client, "ttl", page_size=1)
    [page] = list(first.subjects(RDF.type, HYDRA.PagedCollection))
    assert int(first.value(page, HYDRA.totalItems)) == 3  # two open datasets and the capability
    nxt = first.value(page, HYDRA.nextPage)
    assert nxt is not None and "page=2" in str(nxt) and first.value(page, HYDRA.previousPage) is None
    second = fetch(client, "ttl", page=2, page_size=1)
    [page2] = list(second.subjects(RDF.type, HYDRA.PagedCollection))
    assert second.value(page2, HYDRA.previousPage) is not None
    items = lambda g: set(g.objects(None, DCAT.dataset)) | set(g.objects(None, DCAT.service))  # noqa: E731
    assert items(first) and items(first).isdisjoint(items(second))
    later = fetch(client, "ttl", modified_since="2999-01-01T00:00:00Z")
    assert not items(later) and violations(later, "shapes.ttl") == []
    assert client.get("/catalog.ttl", params={"modified_since": "last tuesday"}).status_code == 422
    assert client.get("/catalog.ttl", params={"page_size": 5000}).status_code == 422

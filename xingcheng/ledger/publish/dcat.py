"""The ledger as a DCAT-AP 3.0 catalog (Turtle and JSON-LD), one page at a time.

Mapping (see docs/publishing.md): a department is a ``foaf:Agent`` publisher; a data resource a
``dcat:Dataset`` with one ``dcat:Distribution`` per share method; a capability a ``dcat:DataService``.
Open type gives ``dct:accessRights`` (EU access-right authority) and the licence; the catalog class and its
item are concepts of the hub's own theme scheme, the base classes also mapped to EU data themes; the
information items go into the description, since DCAT has no place for a column list. A harvested entry keeps
its origin's IRI and gets a ``dcat:CatalogRecord`` saying where and when we took it from.

Paging follows ckanext-dcat: the page's IRI is a ``hydra:PagedCollection`` with total, size and links.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from xingcheng.ledger.publish.entries import Entry, Organisation
from xingcheng.ledger.publish.vocab import (
    ACCESS_RIGHTS,
    EU_FILE_TYPE,
    EU_FREQUENCY,
    EU_LICENCE,
    EU_THEME,
    LICENCE_FOR_OPEN_TYPE,
    THEME_FOR_CLASS,
    access_right_for,
    field_line,
    file_type_for,
    frequency_for,
)

__all__ = ["DcatPage", "HubInfo", "build_graph", "serialise"]

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
PUBLISHER_TYPE = Namespace("http://purl.org/adms/publishertype/")
LANG_ZH = URIRef("http://publications.europa.eu/resource/authority/language/ZHO")

FORMATS = {"ttl": "turtle", "jsonld": "json-ld"}
MEDIA_TYPES = {"ttl": "text/turtle", "jsonld": "application/ld+json"}


@dataclass(frozen=True, slots=True)
class HubInfo:
    name: str  # federation name, e.g. changsha
    title: str  # 长沙市政务数据资源目录
    url: str  # public base URL without trailing slash
    publisher_name: str  # the data bureau
    city_code: str


@dataclass(frozen=True, slots=True)
class DcatPage:
    number: int
    size: int
    total: int
    modified_since: dt.datetime | None = None
    fmt: str = "ttl"

    @property
    def last(self) -> int:
        return max(1, -(-self.total // self.size))


class _Builder:
    def __init__(self, hub: HubInfo) -> None:
        self.hub = hub
        self.g = Graph(bind_namespaces="core")
        for prefix, ns in (
            ("dcat", DCAT),
            ("dct", DCTERMS),
            ("foaf", FOAF),
            ("skos", SKOS),
            ("hydra", HYDRA),
            ("adms", ADMS),
            ("dcatap", DCATAP),
        ):
            self.g.bind(prefix, ns)
        self.base = hub.url.rstrip("/")
        self.catalog = URIRef(self.base + "/catalog")
        self.scheme = URIRef(self.base + "/catalog/themes")
        self._agents: set[URIRef] = set()
        self._concepts: set[URIRef] = set()
        self._typed: set[URIRef] = set()

    def iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def _type_once(self, node: URIRef, cls: URIRef, label: str | None = None) -> None:
        """EU authority IRIs used as values get their class (and a label) so range checks hold."""
        if node in self._typed:
            return
        self._typed.add(node)
        self.g.add((node, RDF.type, cls))
        if label:
            self.g.add((node, RDFS.label, Literal(label)))

    # -- agents and concepts -------------------------------------------------------------------
    def bureau(self) -> URIRef:
        node = self.iri("/organisations/bureau")
        if node not in self._agents:
            self._agents.add(node)
            self.g.add((node, RDF.type, FOAF.Agent))
            self.g.add((node, FOAF.name, Literal(self.hub.publisher_name, lang="zh")))
            self._publisher_type(node)
        return node

    def _publisher_type(self, node: URIRef) -> None:
        kind = PUBLISHER_TYPE.LocalAuthority
        self.g.add((node, DCTERMS.type, kind))
        self._type_once(kind, SKOS.Concept)
        self.g.add((kind, SKOS.prefLabel, Literal("Local Authority", lang="en")))

    def agent(self, org: Organisation, entry: Entry) -> URIRef:
        if entry.harvested and entry.origin_url:
            node = URIRef(entry.origin_url.rstrip("/") + "/organisations/" + quote(org.code))
        else:
            node = self.iri("/organisations/" + quote(org.code))
        if node not in self._agents:
            self._agents.add(node)
            self.g.add((node, RDF.type, FOAF.Agent))
            self.g.add((node, FOAF.name, Literal(org.name, lang="zh")))
            if org.name_en:
                self.g.add((node, FOAF.name, Literal(org.name_en, lang="en")))
            if org.uscc:
                self.g.add((node, DCTERMS.identifier, Literal(org.uscc)))
            self._publisher_type(node)
        return node

    def concept(self, catalog_class: str, theme: str) -> URIRef:
        key = f"{catalog_class}/{theme}" if theme else catalog_class
        node = URIRef(f"{self.scheme}/{quote(key)}")
        if node not in self._concepts:
            self._concepts.add(node)
            self.g.add((node, RDF.type, SKOS.Concept))
            self.g.add((node, SKOS.prefLabel, Literal(theme or catalog_class, lang="zh")))
            self.g.add((node, SKOS.inScheme, self.scheme))
            self.g.add((node, SKOS.notation, Literal(key)))
        return node

    # -- entries --------------------------------------------------------------------------------
    def entry_iri(self, entry: Entry) -> URIRef:
        if entry.harvested and entry.origin_uri:
            return URIRef(entry.origin_uri)
        return self.iri("/catalog/datasets/" + quote(entry.name))

    def add_entry(self, entry: Entry) -> URIRef:
        node = self.entry_iri(entry)
        g = self.g
        is_service = entry.kind == "capability"
        g.add((node, RDF.type, DCAT.DataService if is_service else DCAT.Dataset))
        g.add((node, DCTERMS.title, Literal(entry.title, lang="zh")))
        g.add((node, DCTERMS.description, Literal(self.description(entry), lang="zh")))
        g.add((node, DCTERMS.identifier, Literal(entry.code)))
        g.add((node, DCTERMS.publisher, self.agent(entry.organisation, entry)))
        landing = self.landing(entry)
        g.add((node, DCAT.landingPage, landing))
        self._type_once(landing, FOAF.Document)
        for tag in entry.tags:
            g.add((node, DCAT.keyword, Literal(tag, lang="zh")))
        theme = self.concept(entry.catalog_class, entry.theme)
        g.add((node, DCAT.theme, theme))
        eu_theme = THEME_FOR_CLASS.get(entry.theme)
        if eu_theme:
            eu = URIRef(EU_THEME + eu_theme)
            g.add((node, DCAT.theme, eu))
            self._type_once(eu, SKOS.Concept)
            g.add((eu, SKOS.prefLabel, Literal(eu_theme, lang="en")))
        rights = access_right_for(entry.open_type)
        if rights:
            rights_node = URIRef(ACCESS_RIGHTS + rights)
            g.add((node, DCTERMS.accessRights, rights_node))
            self._type_once(rights_node, DCTERMS.RightsStatement, rights)
        licence = self.licence(entry)
        if licence is not None:
            g.add((node, DCTERMS.license, licence))
        if is_service:
            g.add((node, DCAT.endpointURL, URIRef(entry.endpoint_url or str(landing))))
            return node
        if entry.modified:
            g.add((node, DCTERMS.modified, Literal(entry.modified.replace(microsecond=0), datatype=XSD.dateTime)))
        if entry.published:
            g.add((node, DCTERMS.issued, Literal(entry.published.replace(microsecond=0), datatype=XSD.dateTime)))
        g.add((node, DCTERMS.language, LANG_ZH))
        self._type_once(LANG_ZH, DCTERMS.LinguisticSystem)
        freq = frequency_for(entry.update_cycle)
        if freq:
            freq_node = URIRef(EU_FREQUENCY + freq)
            g.add((node, DCTERMS.accrualPeriodicity, freq_node))
            self._type_once(freq_node, DCTERMS.Frequency, freq)
        spatial = URIRef(f"{self.base}/divisions/{entry.organisation.division_code or self.hub.city_code}")
        if not entry.harvested:
            g.add((node, DCTERMS.spatial, spatial))
            self._type_once(spatial, DCTERMS.Location)
        for i, fmt in enumerate(entry.formats or ("",)):
            dist = URIRef(f"{node}/distributions/{i + 1}")
            g.add((node, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCAT.accessURL, landing))
            g.add((dist, DCTERMS.title, Literal(f"{entry.title} ({fmt or entry.share_method})", lang="zh")))
            file_type = file_type_for(fmt)
            if file_type:
                ft = URIRef(EU_FILE_TYPE + file_type)
                g.add((dist, DCTERMS.format, ft))
                self._type_once(ft, DCTERMS.MediaTypeOrExtent, file_type)
            if licence is not None:
                g.add((dist, DCTERMS.license, licence))
            if rights:
                g.add((dist, DCTERMS.rights, URIRef(ACCESS_RIGHTS + rights)))
        if entry.harvested:
            self.record(entry, node)
        return node

    def landing(self, entry: Entry) -> URIRef:
        if entry.harvested and entry.origin_url:
            origin = entry.origin_url.rstrip("/")
            return URIRef(origin + "/api/3/action/package_show?id=" + quote(entry.origin_id or ""))
        return self.iri("/api/3/action/package_show?id=" + quote(entry.name))

    def licence(self, entry: Entry) -> URIRef | None:
        key = LICENCE_FOR_OPEN_TYPE.get(entry.open_type)
        if key is None:
            return None
        if key in EU_LICENCE:
            node = URIRef(EU_LICENCE[key])
        else:
            node = self.iri("/catalog/licences/" + key)
        if node not in self._typed:
            self._type_once(node, DCTERMS.LicenseDocument)
            self.g.add((node, DCTERMS.title, Literal(key)))
        return node

    def record(self, entry: Entry, node: URIRef) -> None:
        rec = self.iri("/catalog/records/" + quote(entry.name))
        g = self.g
        g.add((self.catalog, DCAT.record, rec))
        g.add((rec, RDF.type, DCAT.CatalogRecord))
        g.add((rec, FOAF.primaryTopic, node))
        stamp = entry.harvested_at or entry.modified
        if stamp:
            g.add((rec, DCTERMS.modified, Literal(stamp.replace(microsecond=0), datatype=XSD.dateTime)))
        g.add((rec, DCTERMS.title, Literal(f"{entry.title} ← {entry.origin_hub}", lang="zh")))
        g.add((rec, DCTERMS.description, Literal(f"origin: {entry.origin_hub} {entry.origin_url or ''}".strip())))

    @staticmethod
    def description(entry: Entry) -> str:
        parts = [entry.abstract.strip() or entry.title]
        facts = [
            f"编码 {entry.code}",
            f"共享类型 {entry.share_type}",
            f"开放类型 {entry.open_type}",
            f"分级 {entry.grade}",
            f"更新周期 {entry.update_cycle}",
        ]
        if entry.share_conditions:
            facts.append(f"共享条件 {entry.share_conditions}")
        parts.append("；".join(facts))
        if entry.fields:
            parts.append("信息项：" + "；".join(field_line(f) for f in entry.fields))
        if entry.harvested:
            parts.append(f"来源目录：{entry.origin_hub} {entry.origin_url or ''}".strip())
        return "\n".join(parts)

    # -- the catalog ----------------------------------------------------------------------------
    def finish(self, nodes: list[URIRef], services: list[URIRef], page: DcatPage, modified: dt.datetime | None) -> None:
        g, cat = self.g, self.catalog
        g.add((cat, RDF.type, DCAT.Catalog))
        g.add((cat, DCTERMS.title, Literal(self.hub.title, lang="zh")))
        g.add(
            (
                cat,
                DCTERMS.description,
                Literal(f"{self.hub.title}：数据资源与智能中枢能力（DCAT-AP 3.0）", lang="zh"),
            )
        )
        g.add((cat, DCTERMS.publisher, self.bureau()))
        home = URIRef(self.base + "/")
        g.add((cat, FOAF.homepage, home))
        self._type_once(home, FOAF.Document)
        g.add((cat, DCTERMS.language, LANG_ZH))
        self._type_once(LANG_ZH, DCTERMS.LinguisticSystem)
        if modified:
            g.add((cat, DCTERMS.modified, Literal(modified.replace(microsecond=0), datatype=XSD.dateTime)))
        g.add((cat, DCAT.themeTaxonomy, self.scheme))
        g.add((self.scheme, RDF.type, SKOS.ConceptScheme))
        g.add((self.scheme, DCTERMS.title, Literal(self.hub.title + " 分类", lang="zh")))
        for node in nodes:
            g.add((cat, DCAT.dataset, node))
        for node in services:
            g.add((cat, DCAT.service, node))
        self.paging(page)

    def paging(self, page: DcatPage) -> None:
        def link(n: int) -> URIRef:
            params: dict[str, str] = {"page": str(n)}
            if page.size:
                params["page_size"] = str(page.size)
            if page.modified_since is not None:
                params["modified_since"] = page.modified_since.isoformat().replace("+00:00", "Z")
            return URIRef(f"{self.base}/catalog.{page.fmt}?{urlencode(params)}")

        here = link(page.number)
        g = self.g
        g.add((here, RDF.type, HYDRA.PagedCollection))
        g.add((here, HYDRA.totalItems, Literal(page.total, datatype=XSD.integer)))
        g.add((here, HYDRA.itemsPerPage, Literal(page.size, datatype=XSD.integer)))
        g.add((here, HYDRA.firstPage, link(1)))
        g.add((here, HYDRA.lastPage, link(page.last)))
        if page.number > 1:
            g.add((here, HYDRA.previousPage, link(min(page.number - 1, page.last))))
        if page.number < page.last:
            g.add((here, HYDRA.nextPage, link(page.number + 1)))


def build_graph(entries: list[Entry], hub: HubInfo, page: DcatPage, modified: dt.datetime | None) -> Graph:
    """One page of the catalog as an RDF graph."""
    b = _Builder(hub)
    datasets: list[URIRef] = []
    services: list[URIRef] = []
    for entry in entries:
        node = b.add_entry(entry)
        (services if entry.kind == "capability" else datasets).append(node)
    b.finish(datasets, services, page, modified)
    return b.g


def serialise(graph: Graph, fmt: str) -> str:
    if fmt == "jsonld":
        context = {p: str(ns) for p, ns in graph.namespaces() if p}
        return graph.serialize(format="json-ld", context=context, auto_compact=True)
    return graph.serialize(format="turtle")

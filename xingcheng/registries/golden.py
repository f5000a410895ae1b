"""Golden records: one value per attribute per person, chosen under 一数一源, with every other source's value
kept beside it and every disagreement turned into a data-quality issue for the department that holds it.

The choice, per cluster and attribute: each distinct value gets one vote per *source* that holds it (a
source's duplicates vote once), the authoritative source's value half a vote more, and a valid ID number
votes for the birth date and sex it encodes (GB 11643). The value with most votes wins, so the
authoritative source wins every tie and every disagreement with a single other department, but loses when
two or more independent sources agree on something else — then the issue goes to the authoritative
department. Ties among non-authoritative values go to the source listed first in ``PERSON_SOURCES``.

Issues (``person_issue``): ``conflict`` (a value that differs from the golden one), ``format`` (the same
value written in a non-standard form: traditional characters, stray spaces, full-width digits),
``invalid_id`` (an ID number whose check character fails), ``duplicate`` (a source holding the person twice).
"""

from __future__ import annotations

from typing import Final

import duckdb

from xingcheng.registries import text as T
from xingcheng.registries.records import PERSON_ATTRIBUTES, PERSON_SOURCES

__all__ = [
    "DATA_ITEMS",
    "DEFAULT_AUTHORITY",
    "ID_WITNESS",
    "build_company_golden",
    "build_person_golden",
    "build_relations",
]

# Until the ledger names them (Field.data_item + authoritative), the authoritative source of each item.
DEFAULT_AUTHORITY: Final[dict[str, str]] = {
    "id_number": "psb_hukou",
    "name": "psb_hukou",
    "sex": "psb_hukou",
    "birth_date": "psb_hukou",
    "ethnicity": "psb_hukou",
    "phone": "hrss_insured",
    "address": "psb_hukou",
    "marital_status": "psb_hukou",
}
ID_WITNESS: Final = "gb11643"  # the pseudo-source "derived from the ID number"
# The ledger's data item (Field.data_item) of each golden attribute, and the column key of SourceMap holding it.
DATA_ITEMS: Final[dict[str, tuple[str, str]]] = {
    "id_number": ("person.id_number", "id"),
    "name": ("person.name", "name"),
    "sex": ("person.sex", "sex"),
    "birth_date": ("person.birth_date", "birth"),
    "ethnicity": ("person.ethnicity", "ethnicity"),
    "phone": ("person.phone", "phone"),
    "address": ("person.registered_address", "address"),
    "marital_status": ("person.marital_status", "marital"),
}

# (attribute, comparable value, value as the department wrote it)
_VALUES: Final = {
    "id_number": ("id_raw", "id_text"),
    "name": ("name", "name_raw"),
    "sex": ("sex", "sex"),
    "birth_date": ("birth_date", "birth_date"),
    "ethnicity": ("ethnicity", "ethnicity"),
    "phone": ("phone", "phone"),
    "address": ("addr_id", "address_raw"),
    "marital_status": ("marital_status", "marital_status"),
}


_REC_COLUMNS: Final = (
    "rid", "source", "record_id", "id_number", "id_raw", "id_text", "name", "name_raw", "sex", "birth_date",
    "ethnicity", "phone", "addr_id", "address_raw", "marital_status", "household", "relation", "mother_id",
    "father_id", "spouse_id", "certificate",
)  # fmt: skip


_ATTRIBUTE: Final = "ENUM(" + ", ".join(T.sql_lit(a) for a in _VALUES) + ")"


def _agree_table(con: duckdb.DuckDBPyConnection) -> None:
    """``xc_agree``: for every set of departmental sources (a bit mask, bit i for ``PERSON_SOURCES[i]``) the sorted
    list of their names — how a golden value names the sources that agree with it."""
    names = [m.source for m in PERSON_SOURCES]
    con.execute("CREATE OR REPLACE TEMP TABLE xc_agree (mask UINTEGER, agree VARCHAR[])")
    con.executemany(
        "INSERT INTO xc_agree VALUES (?, ?)",
        [(mask, sorted(s for i, s in enumerate(names) if mask >> i & 1)) for mask in range(1, 1 << len(names))],
    )


_REAL: Final = (1 << len(PERSON_SOURCES)) - 1  # the bits of the departmental sources (the ID witness comes next)
_WITNESS: Final = len(PERSON_SOURCES)  # the ID witness's priority: after every department
# Attribute names as an ENUM: 20 million value rows group and compare on a small integer, not on text.
_ATTRIBUTE: Final = "ENUM(" + ", ".join(T.sql_lit(a) for a in _VALUES) + ")"


def _values_table(con: duckdb.DuckDBPyConnection, clusters: str, authority: dict[str, str]) -> None:
    # Join records to their clusters once (person_rec), then unpivot the attributes from it. Each value row
    # carries its source's priority and whether that source is authoritative for the attribute, so that the
    # votes below need no join.
    priority = (
        "CASE p.source "
        + " ".join(f"WHEN {T.sql_lit(m.source)} THEN {i}" for i, m in enumerate(PERSON_SOURCES))
        + " END"
    )
    # What the golden values, issues and relations read, not every comparison column of person_input.
    columns = ", ".join(f"p.{c}" for c in _REC_COLUMNS)
    joined = (
        f"SELECT {columns}, c.cluster_id, CAST({priority} AS UTINYINT) AS priority "  # noqa: S608
        f"FROM person_input p JOIN {clusters} c USING (rid)"
    )
    con.execute("CREATE OR REPLACE TABLE person_rec AS " + joined)
    # Attribute and column names come from _VALUES, sources from the ledger or DEFAULT_AUTHORITY (literals).
    parts = [
        f"SELECT p.cluster_id, p.source, p.record_id, CAST({T.sql_lit(attr)} AS {_ATTRIBUTE}) AS attribute, "  # noqa: S608
        f"CAST(p.{value} AS VARCHAR) AS value, CAST(p.{shown} AS VARCHAR) AS shown, "
        f"{'p.id_number IS NOT NULL' if attr == 'id_number' else 'TRUE'} AS valid, p.priority, "
        f"p.source = {T.sql_lit(authority.get(attr, ''))} AS auth "
        f"FROM person_rec p WHERE p.{value} IS NOT NULL"
        for attr, (value, shown) in _VALUES.items()
    ]
    con.execute(f"CREATE OR REPLACE TABLE person_value AS {' UNION ALL '.join(parts)}")


def _vote(con: duckdb.DuckDBPyConnection, out: str, where: str, authority: dict[str, str]) -> None:
    """Per (cluster, attribute) the winning value, the source that vouches for it, the sources that agree with it
    (a bit mask) and how many distinct values departmental records give (``values``).

    One vote per source holding a value (a bit per source, so duplicates vote once), half a vote more for the
    authoritative source, ties to the source listed first; a remaining tie (one source giving two values) to the
    greater value, so that every build chooses the same. Only ``valid`` values are candidates (ID numbers).
    The score n + ½·authoritative − priority/1000 is kept as the integer 2000·n + 1000·authoritative − priority.
    """
    names = "[" + ", ".join(T.sql_lit(s) for s in [*(m.source for m in PERSON_SOURCES), ID_WITNESS]) + "]"
    auth = (
        "CASE attribute "
        + " ".join(f"WHEN {T.sql_lit(a)} THEN {T.sql_lit(s)}" for a, s in sorted(authority.items()))
        + " END"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {out} AS
        WITH g AS (
            SELECT v.cluster_id, v.attribute, v.value, bool_or(v.valid) AS valid,
                   bit_or(CAST(1 AS UINTEGER) << v.priority) AS mask, bool_or(v.auth) AS auth,
                   min(v.priority) AS priority
            FROM person_value v
            WHERE {where}
            GROUP BY ALL
        ), w AS (
            SELECT cluster_id, attribute,
                   max({{'score': bit_count(mask) * 2000 + CASE WHEN auth THEN 1000 ELSE 0 END - priority,
                         'value': value, 'mask': mask, 'auth': auth, 'priority': priority}}) FILTER (WHERE valid) AS w,
                   count(*) FILTER (WHERE mask & {_REAL} <> 0) AS "values"
            FROM g GROUP BY cluster_id, attribute
        )
        SELECT cluster_id, attribute, w.value AS value,
               CASE WHEN w.auth THEN {auth} ELSE {names}[w.priority + 1] END AS source,
               w.mask & {_REAL} AS agree_mask, "values"
        FROM w
        """  # noqa: S608
    )


def build_person_golden(
    con: duckdb.DuckDBPyConnection, clusters: str = "person_cluster", authority: dict[str, str] | None = None
) -> None:
    """Create ``person_golden`` (with the provenance of every attribute as JSON text, ``attributes``),
    ``person_value`` (every source's value) and ``person_issue``.

    All set-based, in a few passes over ``person_value``: the votes group it by (cluster, attribute, value);
    only the (cluster, attribute) pairs whose records disagree are joined back to it for the values that lost.
    """
    authority = {**DEFAULT_AUTHORITY, **(authority or {})}
    _agree_table(con)
    _values_table(con, clusters, authority)
    # Votes for the ID number first: only valid numbers are candidates; the winner then witnesses birth date and sex.
    _vote(con, "xc_id_votes", "v.attribute = 'id_number'", authority)
    con.execute(
        f"""
        INSERT INTO person_value
        SELECT g.cluster_id, {T.sql_lit(ID_WITNESS)}, NULL, CAST(a.attribute AS {_ATTRIBUTE}), a.value, a.value, TRUE,
               {_WITNESS}, FALSE
        FROM xc_id_votes g,
             LATERAL (SELECT 'birth_date' AS attribute,
                             CAST(CAST(strptime(substr(g.value, 7, 8), '%Y%m%d') AS DATE) AS VARCHAR) AS value
                      UNION ALL
                      SELECT 'sex', CASE WHEN CAST(substr(g.value, 17, 1) AS INTEGER) % 2 = 1 THEN 'M' ELSE 'F' END) a
        WHERE g.value IS NOT NULL
        """  # noqa: S608
    )
    _vote(con, "xc_votes", "v.attribute <> 'id_number'", authority)
    con.execute("CREATE OR REPLACE TEMP TABLE xc_choice AS SELECT * FROM xc_id_votes UNION ALL SELECT * FROM xc_votes")
    con.execute("DROP TABLE xc_id_votes")
    con.execute("DROP TABLE xc_votes")
    # The records that disagree with the golden value (or, with no golden value, every record): only where a
    # cluster's records give more than the one chosen value, so the join below probes a small table.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE xc_other AS
        SELECT v.cluster_id, v.attribute, v.source, v.record_id, v.value, v.shown, v.valid, c.value AS golden,
               c.source AS golden_source
        FROM person_value v
        JOIN (SELECT * FROM xc_choice WHERE "values" > CASE WHEN coalesce(agree_mask, 0) <> 0 THEN 1 ELSE 0 END) c
          USING (cluster_id, attribute)
        WHERE v.priority < {_WITNESS} AND v.value IS DISTINCT FROM c.value
        """  # noqa: S608
    )
    # Provenance of every attribute a department gives: the source of the golden value, the sources that agree
    # with it, and the value of every record that disagrees (written as the department wrote it). One JSON object
    # per person, its keys in the order of PERSON_ATTRIBUTES (so the same values always give the same text).
    attrs = [a for a in PERSON_ATTRIBUTES if a != "id_number"]
    picks = ",\n".join(f"any_value(value) FILTER (WHERE attribute = {T.sql_lit(a)}) AS {_col(a)}" for a in attrs)
    srcs = ",\n".join(f"any_value(source) FILTER (WHERE attribute = {T.sql_lit(a)}) AS {_col(a)}_source" for a in attrs)
    provs = ", ".join(
        f"{T.sql_lit(_json_key(a))} || any_value(prov) FILTER (WHERE attribute = {T.sql_lit(a)})"
        for a in PERSON_ATTRIBUTES
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE person_golden AS
        WITH members AS (
            SELECT cluster_id, min(rid) AS first_rid, count(*) AS records,
                   bit_or(CAST(1 AS UINTEGER) << priority) AS mask,
                   max(household) FILTER (WHERE source = 'psb_hukou') AS household,
                   max(relation) FILTER (WHERE source = 'psb_hukou') AS relation
            FROM person_rec GROUP BY cluster_id
        ), other AS (
            SELECT cluster_id, attribute,
                   list({{'source': source, 'record_id': record_id, 'value': shown}} ORDER BY source, record_id)
                       AS other
            FROM xc_other GROUP BY ALL
        ), prov AS (
            SELECT c.cluster_id, c.attribute, c.value, c.source,
                   CASE WHEN c."values" > 0
                        THEN CAST(to_json({{'source': c.source, 'agree': a.agree, 'other': o.other}}) AS VARCHAR)
                   END AS prov
            FROM xc_choice c LEFT JOIN xc_agree a ON a.mask = c.agree_mask
                 LEFT JOIN other o USING (cluster_id, attribute)
        ), chosen AS (
            SELECT cluster_id,
                   any_value(value) FILTER (WHERE attribute = 'id_number') AS id_number,
                   any_value(source) FILTER (WHERE attribute = 'id_number') AS id_number_source,
                   {picks},
                   {srcs},
                   '{{' || concat_ws(',', {provs}) || '}}' AS attributes
            FROM prov GROUP BY cluster_id
        )
        SELECT m.cluster_id, m.first_rid, m.records, a.agree AS sources, m.household, m.relation,
               c.* EXCLUDE (cluster_id)
        FROM members m LEFT JOIN chosen c USING (cluster_id) LEFT JOIN xc_agree a ON a.mask = m.mask
        """  # noqa: S608
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE person_issue AS
        SELECT cluster_id, attribute, source, record_id, shown AS value, golden, golden_source,
               CASE WHEN attribute = 'id_number' AND NOT valid THEN 'invalid_id' ELSE 'conflict' END AS kind
        FROM xc_other WHERE golden IS NOT NULL
        UNION ALL
        SELECT v.cluster_id, v.attribute, v.source, v.record_id, v.shown, c.value, c.source, 'format'
        FROM person_value v JOIN xc_choice c USING (cluster_id, attribute)
        WHERE v.attribute IN ('name', 'id_number') AND v.shown <> v.value AND v.value = c.value
        UNION ALL
        SELECT p.cluster_id, 'record', p.source, NULL, CAST(count(*) AS VARCHAR), NULL, NULL, 'duplicate'
        FROM person_value p WHERE p.attribute = 'name' GROUP BY p.cluster_id, p.source HAVING count(*) > 1
        """
    )
    for name in ("xc_other", "xc_choice"):
        con.execute(f"DROP TABLE {name}")


def _json_key(attribute: str) -> str:
    return f'"{attribute}":'


def _col(attribute: str) -> str:
    return {"address": "address_id"}.get(attribute, attribute)


def build_relations(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``person_relation`` (cluster, kind, other cluster, sources) from ``person_rec``: parents, spouse.

    Spouses come from marriage registrations (the two records under one certificate number, or the spouse's
    ID number); parents from birth certificates (the mother's and father's ID numbers) and from household
    registration (子/女/孙子/孙女 are children of the head and the head's spouse; 父亲/母亲 are the husband's
    parents and 岳父/岳母 the wife's).
    """
    con.execute(
        """
        CREATE OR REPLACE TABLE person_relation AS
        WITH by_id AS (SELECT id_number, cluster_id FROM person_golden WHERE id_number IS NOT NULL),
        rec AS (SELECT * FROM person_rec),
        spouse_cert AS (
            SELECT a.cluster_id AS person, b.cluster_id AS other FROM rec a JOIN rec b
              ON a.source = 'mca_marriages' AND b.source = 'mca_marriages' AND a.certificate = b.certificate
             AND a.cluster_id <> b.cluster_id
        ),
        spouse_id AS (
            SELECT r.cluster_id, g.cluster_id FROM rec r JOIN by_id g ON g.id_number = r.spouse_id
            WHERE r.source = 'mca_marriages' AND r.cluster_id <> g.cluster_id
        ),
        birth_parent AS (
            SELECT r.cluster_id, g.cluster_id, 'mother' FROM rec r JOIN by_id g ON g.id_number = r.mother_id
            WHERE r.source = 'hc_birth_certificates'
            UNION ALL
            SELECT r.cluster_id, g.cluster_id, 'father' FROM rec r JOIN by_id g ON g.id_number = r.father_id
            WHERE r.source = 'hc_birth_certificates'
        ),
        hh AS (
            SELECT r.household, r.relation, r.cluster_id, g.sex FROM rec r JOIN person_golden g USING (cluster_id)
            WHERE r.source = 'psb_hukou' AND r.household IS NOT NULL
        ),
        couple AS (
            SELECT household, cluster_id, sex FROM hh WHERE relation IN ('户主', '配偶')
        ),
        hh_parent AS (
            SELECT c.cluster_id, p.cluster_id, CASE p.sex WHEN 'M' THEN 'father' ELSE 'mother' END
            FROM hh c JOIN couple p USING (household)
            WHERE c.relation IN ('子', '女', '孙子', '孙女') AND c.cluster_id <> p.cluster_id
            UNION ALL
            SELECT k.cluster_id, g.cluster_id, CASE g.sex WHEN 'M' THEN 'father' ELSE 'mother' END
            FROM hh g JOIN couple k ON k.household = g.household
                 AND k.sex = CASE WHEN g.relation IN ('父亲', '母亲') THEN 'M' ELSE 'F' END
            WHERE g.relation IN ('父亲', '母亲', '岳父', '岳母')
        ),
        hh_spouse AS (
            SELECT a.cluster_id, b.cluster_id FROM couple a JOIN couple b USING (household)
            WHERE a.cluster_id <> b.cluster_id AND a.sex <> b.sex
        ),
        edges AS (
            SELECT person, other, 'spouse' AS kind, 'mca_marriages' AS source FROM spouse_cert
            UNION ALL SELECT *, 'spouse', 'mca_marriages' FROM spouse_id
            UNION ALL SELECT *, 'psb_hukou' FROM hh_parent
            UNION ALL SELECT *, 'hc_birth_certificates' FROM birth_parent
            UNION ALL SELECT *, 'spouse', 'psb_hukou' FROM hh_spouse
        )
        SELECT person AS cluster_id, kind, other AS other_cluster_id, list(DISTINCT source ORDER BY source) AS sources
        FROM edges GROUP BY ALL
        """
    )


def build_company_golden(con: duckdb.DuckDBPyConnection, clusters: str = "company_cluster") -> None:
    """Create ``company_golden``, ``company_name_history``, ``company_address_history`` and ``company_issue``.

    Market regulation (市场主体登记) is authoritative for every item of a legal entity; its newest record (by
    approval date) gives the current name, address, legal representative and status, and its older records the
    names and addresses the company had before. Tax and other sources that disagree get issues.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TABLE company_rec AS
        SELECT c.cluster_id, p.*, (p.source = 'amr_market_entities') AS auth
        FROM company_input p JOIN {clusters} c USING (rid)
        """  # noqa: S608
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE company_golden AS
        SELECT cluster_id,
               arg_max(uscc, (auth, uscc IS NOT NULL, registered)) AS uscc,
               arg_max(name, (auth, registered)) AS name,
               arg_max(name_raw, (auth, registered)) AS name_shown,
               arg_max(kind, (auth, kind IS NOT NULL, registered)) AS entity_type,
               arg_max(status, (auth, registered)) AS status,
               arg_max(established, (auth, established IS NOT NULL, registered)) AS established,
               arg_max(capital, (auth, capital IS NOT NULL, registered)) AS capital,
               arg_max(rep_id, (auth, rep_id IS NOT NULL, registered)) AS rep_id,
               arg_max(addr_id, (auth, addr_id IS NOT NULL, registered)) AS addr_id,
               count(*) AS records, list(DISTINCT source ORDER BY source) AS sources
        FROM company_rec GROUP BY cluster_id
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE company_name_history AS
        WITH n AS (SELECT cluster_id, name, min(name_raw) AS shown, min(registered) AS since
                   FROM company_rec WHERE auth AND name IS NOT NULL GROUP BY ALL)
        SELECT cluster_id, shown AS name, since AS valid_from,
               lead(since) OVER (PARTITION BY cluster_id ORDER BY since, name) AS valid_to
        FROM n
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE company_address_history AS
        WITH a AS (SELECT cluster_id, coalesce(addr_id, address_norm) AS k, any_value(addr_id) AS addr_id,
                          min(address_raw) AS text, min(registered) AS since
                   FROM company_rec WHERE auth AND address_norm IS NOT NULL GROUP BY cluster_id, k)
        SELECT cluster_id, addr_id, text, since AS valid_from,
               lead(since) OVER (PARTITION BY cluster_id ORDER BY since, k) AS valid_to
        FROM a
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE company_issue AS
        WITH amr_names AS (SELECT DISTINCT cluster_id, name FROM company_rec WHERE auth)
        SELECT r.cluster_id, 'name' AS attribute, r.source, r.record_id, r.name_raw AS value, g.name_shown AS golden,
               CASE WHEN r.name IN (SELECT name FROM amr_names a WHERE a.cluster_id = r.cluster_id)
                    THEN 'format' ELSE 'conflict' END AS kind
        FROM company_rec r JOIN company_golden g USING (cluster_id)
        WHERE NOT r.auth AND r.name_raw IS DISTINCT FROM g.name_shown
          AND r.name_raw NOT IN (SELECT h.name FROM company_name_history h WHERE h.cluster_id = r.cluster_id)
        UNION ALL
        SELECT r.cluster_id, 'address', r.source, r.record_id, r.address_raw, g.addr_id, 'conflict'
        FROM company_rec r JOIN company_golden g USING (cluster_id)
        WHERE NOT r.auth AND r.addr_id IS NOT NULL AND g.addr_id IS NOT NULL AND r.addr_id <> g.addr_id
        UNION ALL
        SELECT r.cluster_id, 'legal_rep', r.source, r.record_id, r.rep_name, g.rep_id, 'conflict'
        FROM company_rec r JOIN company_golden g USING (cluster_id)
        WHERE NOT r.auth AND r.rep_id IS NOT NULL AND g.rep_id IS NOT NULL AND r.rep_id <> g.rep_id
        UNION ALL
        SELECT cluster_id, 'record', source, NULL, CAST(count(*) AS VARCHAR), NULL, 'duplicate'
        FROM company_rec GROUP BY cluster_id, source HAVING count(*) > 1 AND source <> 'amr_market_entities'
        """
    )

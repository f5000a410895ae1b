"""Linkage quality on a small synthetic city, golden values under 一数一源, issues and relations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from registry_helpers import computed_for


@pytest.fixture(scope="session")
def computed(city: Path) -> Any:
    return computed_for(city)


PAIRS = """
WITH j AS (SELECT c.rid, c.cluster_id, t.entity_id FROM {clusters} c JOIN truth_links t USING (rid)),
p AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM j GROUP BY cluster_id)),
t AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM j GROUP BY entity_id)),
b AS (SELECT sum(n * (n - 1) / 2) AS v FROM (SELECT count(*) AS n FROM j GROUP BY cluster_id, entity_id))
SELECT (SELECT v FROM b) / (SELECT v FROM p), (SELECT v FROM b) / (SELECT v FROM t)
"""


def _truth(con: duckdb.DuckDBPyConnection, city: Path) -> None:
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE truth_links AS SELECT source || ':' || record_id AS rid, entity_id "
        f"FROM read_csv('{city / 'truth' / 'links.csv'}', all_varchar = true)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE truth_persons AS SELECT * "
        f"FROM read_csv('{city / 'truth' / 'persons.csv'}', all_varchar = true)"
    )


def test_person_and_company_linkage_meet_the_targets(computed: Any, city: Path) -> None:
    con = computed.con
    _truth(con, city)
    precision, recall = con.execute(PAIRS.format(clusters="person_cluster")).fetchone()
    assert precision >= 0.995 and recall >= 0.99
    precision, recall = con.execute(PAIRS.format(clusters="company_cluster")).fetchone()
    assert precision >= 0.995 and recall >= 0.99
    # Clusters are numbered; Splink's training tables are gone once the clusters are.
    assert con.execute("SELECT DISTINCT typeof(cluster_id) FROM person_cluster").fetchall() == [("BIGINT",)]
    assert not con.execute("SELECT * FROM duckdb_tables() WHERE starts_with(table_name, '__splink__')").fetchall()


def test_birth_certificates_without_id_numbers_are_linked(computed: Any, city: Path) -> None:
    con = computed.con
    _truth(con, city)
    # Every birth certificate sits in a cluster with the newborn's household registration.
    alone = con.execute(
        """SELECT count(*) FROM person_cluster c JOIN truth_links t USING (rid)
           WHERE c.rid LIKE 'hc_birth_certificates:%' AND NOT EXISTS (
               SELECT 1 FROM person_cluster o JOIN truth_links u USING (rid)
               WHERE o.cluster_id = c.cluster_id AND o.rid LIKE 'psb_hukou:%' AND u.entity_id = t.entity_id)
             AND EXISTS (SELECT 1 FROM truth_links h WHERE h.entity_id = t.entity_id AND h.rid LIKE 'psb_hukou:%')"""
    ).fetchone()[0]
    births = con.execute("SELECT count(*) FROM person_input WHERE source = 'hc_birth_certificates'").fetchone()[0]
    assert births > 0 and alone == 0


def test_golden_values_match_the_truth(computed: Any, city: Path) -> None:
    con = computed.con
    _truth(con, city)
    # The golden record of a cluster equals the true person's clean values (for the person most records say).
    row = con.execute(
        """WITH owner AS (SELECT c.cluster_id, mode(t.entity_id) AS person_id FROM person_cluster c
                          JOIN truth_links t USING (rid) GROUP BY c.cluster_id)
           SELECT count(*), count(*) FILTER (WHERE g.id_number = p.id_number),
                  count(*) FILTER (WHERE g.name = p.name), count(*) FILTER (WHERE g.birth_date = p.birth_date),
                  count(*) FILTER (WHERE g.sex = p.sex)
           FROM person_golden g JOIN owner o USING (cluster_id) JOIN truth_persons p USING (person_id)
           WHERE g.id_number IS NOT NULL"""
    ).fetchone()
    total, ids, names, births, sexes = row
    assert total > 900
    assert ids == total
    assert names / total >= 0.995 and births / total >= 0.999 and sexes == total


def test_conflicts_become_issues_for_the_department_holding_them(computed: Any) -> None:
    con = computed.con
    kinds = dict(con.execute("SELECT kind, count(*) FROM person_issue GROUP BY kind").fetchall())
    assert kinds.get("conflict", 0) > 0 and kinds.get("format", 0) > 0
    # A conflict is never addressed to the source that supplied the golden value for that value.
    wrong = con.execute(
        """SELECT count(*) FROM person_issue i JOIN person_value v
           ON v.cluster_id = i.cluster_id AND v.attribute = i.attribute AND v.source = i.source
              AND v.record_id IS NOT DISTINCT FROM i.record_id
           WHERE i.kind = 'conflict' AND v.value = i.golden"""
    ).fetchone()[0]
    assert wrong == 0


def test_relations_follow_the_truth(computed: Any, city: Path) -> None:
    con = computed.con
    _truth(con, city)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE owner AS SELECT c.cluster_id, mode(t.entity_id) AS person_id
           FROM person_cluster c JOIN truth_links t USING (rid) GROUP BY c.cluster_id"""
    )
    total, right = con.execute(
        """SELECT count(*), count(*) FILTER (WHERE (r.kind = 'father' AND p.father_id = o2.person_id)
                                            OR (r.kind = 'mother' AND p.mother_id = o2.person_id)
                                            OR (r.kind = 'spouse' AND p.spouse_id = o2.person_id))
           FROM person_relation r JOIN owner o1 ON o1.cluster_id = r.cluster_id
           JOIN owner o2 ON o2.cluster_id = r.other_cluster_id JOIN truth_persons p ON p.person_id = o1.person_id"""
    ).fetchone()
    assert total > 300 and right / total >= 0.98


def test_components_and_housing(computed: Any) -> None:
    con = computed.con
    classes = con.execute("SELECT count(*) FROM component_class").fetchone()[0]
    assert classes > 5
    bad = con.execute(
        "SELECT count(*) FROM component_std WHERE substr(id, 7, 4) <> class_code OR length(id) <> 16"
    ).fetchone()[0]
    assert bad == 0
    holders = con.execute("SELECT count(*), count(person_cluster) + count(company_cluster) FROM holder_std").fetchone()
    assert holders[0] > 0 and holders[1] / holders[0] >= 0.97

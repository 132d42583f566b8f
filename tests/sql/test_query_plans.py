"""The fast evaluator's plans on the servers: index lookups per person, never a pass over every record.

Speed is measured by the benchmarks, not here; what a test can hold is the
shape of the plan, which is what turns a second into minutes at a million
people. A province of a few thousand people is loaded through the bulk path
(which gathers PostgreSQL's planner statistics; InnoDB gathers its own), the whole catalogue is evaluated,
and every statement the evaluator sends is explained on its own connection,
in its own transaction, as it is sent:

- PostgreSQL: no sequential scan of ``antidrug_records`` on the inner side of
  a nested loop or in a subplan run per row (each would read every record
  once per person), and no just-in-time compilation (``JIT_OFF``);
- MariaDB: no full scan of a table in a dependent subquery, and no read of a
  table that no outer row drives (a full or range scan) done more than once
  in a statement: MariaDB made the voided records again for every due test
  that way, which took one county at a million people from a second to 102 s.

Both are checked as a host's evaluation sends its statements, and as a large
store is read, in slices of people (``PEOPLE_PER_SLICE``), each slice's
statement explained as its thread sends it.

Each check is itself checked against a plan it must catch.

PostgreSQL's statistics are a random sample, so a plan the planner takes on some
samples only is seen here now and then: a transfer's request, looked up by its id,
was read through ``(subject, version)`` and ``(type, on)`` together on about one
sample in forty (CI, December 2026). Every lookup a person drives is therefore kept
off ``(type, on)`` by its form (``Unindexed``), not by the statistics of the day.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from antidrug_core.indicators import EvaluationRequest, Period, evaluate_in_store, standard_catalogue
from antidrug_core.model import Actor, DivisionTree, Role, SubjectKind
from antidrug_core.ports import BulkRecorder
from antidrug_core.store import Store, new_stream
from antidrug_core.synthetic import SyntheticSpec, divisions, person_records, townships
from antidrug_sql import evaluator
from antidrug_sql.evaluator import evaluate_indicators, forget_kept_counts
from antidrug_sql.tables import TYPE_ON_INDEX

SPEC = SyntheticSpec.provincial(people=3_000)
"""Enough records (about 35,000) that a pass over all of them per person costs the planner far more
than an index lookup, as at a million people."""

RECORDS = "antidrug_records"


def _explained(
    store: Store,
    explain: Callable[[Any, str, Any], Any],
    slices: int | None = None,
    actor: Actor | None = None,
) -> list[tuple[str, Any]]:
    """Evaluate the catalogue (or, given ``slices``, the people's figures in that many slices of
    people, as a large store is read); each of the evaluator's reads with its plan, explained as it
    was sent."""
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    plans: list[tuple[str, Any]] = []

    def before(
        connection: sa.Connection, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if "per_person" in statement or "per_transfer" in statement:  # the evaluator's statements
            plans.append((statement, explain(cursor, statement, parameters)))

    sa.event.listen(engine, "before_cursor_execute", before)
    request = EvaluationRequest(period=Period.parse("2025H2"), policy=SPEC.policy)
    forget_kept_counts()  # a read of all of a scope's people, not of the few changed since the last
    try:
        with store.unit_of_work(actor or Actor.local_administrator()) as uow:
            if slices is None:
                results = evaluate_in_store(uow, request)
            else:
                people = [d for d in standard_catalogue() if d.subject is SubjectKind.PERSON]
                tree = DivisionTree(uow.divisions())
                results = (
                    evaluate_indicators(store.recorder, None, request, people, tree, slices=slices) or []
                )
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)
    assert results, "the catalogue gave no results"
    assert plans, "the fast evaluator sent no statement"
    if slices is not None:
        assert sum("per_person" in statement for statement, _plan in plans) == slices
    return plans


def _loaded(databases: Any, open_sql: Callable[..., Store], spec: SyntheticSpec = SPEC) -> Store:
    store = open_sql(databases.new(), policy=spec.policy)
    recorder = store.recorder
    assert isinstance(recorder, BulkRecorder)
    appends = (new_stream(records[0].subject, records, spec.policy) for records in person_records(spec))
    recorder.bulk_append(appends, divisions=divisions(spec))
    return store


def _nodes(node: dict[str, Any], repeated: bool = False) -> Iterator[tuple[dict[str, Any], bool]]:
    """Every plan node, and whether it runs once per row of another (a loop's inner side, a subplan)."""
    yield node, repeated
    children = node.get("Plans", [])
    for index, child in enumerate(children):
        inner = node["Node Type"] == "Nested Loop" and index == 1
        per_row = child.get("Parent Relationship") == "SubPlan"
        yield from _nodes(child, repeated or inner or per_row)


def _postgresql_plan(cursor: Any, statement: str, parameters: Any) -> Any:
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
    (found,) = cursor.fetchone()
    return found[0] if isinstance(found, list) else json.loads(found)[0]


def _full_scans_per_row(plan: dict[str, Any]) -> list[str]:
    return [
        f"{node['Node Type']} on {node.get('Alias', RECORDS)}"
        for node, repeated in _nodes(plan["Plan"])
        if repeated and node["Node Type"] == "Seq Scan" and node.get("Relation Name") == RECORDS
    ]


def _types_per_row(plan: dict[str, Any]) -> list[str]:
    """Reads of ``(type, on)`` run once per row of another: a type's records across the province
    read for each person (at a million people, 11,571 accepted transfers for each person who had one)."""
    return [
        f"{node['Node Type']} for {node.get('Alias') or 'a bitmap'}"
        for node, repeated in _nodes(plan["Plan"])
        if repeated and node.get("Index Name") == TYPE_ON_INDEX
    ]


@pytest.mark.parametrize("slices", [None, 2], ids=["whole", "in-slices"])
def test_the_fast_evaluator_on_postgresql_looks_records_up_by_index_and_compiles_nothing(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store], slices: int | None
) -> None:
    store = _loaded(make_databases("postgresql"), open_sql)
    for statement, plan in _explained(store, _postgresql_plan, slices):
        assert _full_scans_per_row(plan) == [], statement[:200]
        assert _types_per_row(plan) == [], statement[:200]
        assert "JIT" not in plan, "the evaluator's statement would be compiled just in time"


FEW_COUNTIES = SyntheticSpec.provincial(people=3_000, counties=3, townships=45)
"""A province of three counties: each county's people are a third of its people, spread over every
range of ids."""


def _records_not_looked_up(plan: dict[str, Any]) -> list[str]:
    """Reads of the people's records (``record``) that no person drives: a scan of a range of the
    province's records, kept or dropped by who is in scope, instead of each person's looked up."""
    return [
        f"{node['Node Type']} on record"
        for node, repeated in _nodes(plan["Plan"])
        if not repeated and node.get("Relation Name") == RECORDS and node.get("Alias") == "record"
    ]


def test_a_county_on_postgresql_looks_each_of_its_people_up_and_reads_no_range_of_the_province(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the installed cost of a page read out of order (``RANDOM_PAGE_COST``), PostgreSQL read
    the records of everyone in a slice's range of ids and kept the county's."""
    monkeypatch.setattr(evaluator, "SCOPE_PEOPLE_PER_SLICE", 500)  # a county read in slices, as at scale
    store = _loaded(make_databases("postgresql"), open_sql, FEW_COUNTIES)
    county = sorted({code[:6] for code in townships(FEW_COUNTIES)})[0]
    officer = Actor(id="county", role=Role.OFFICER, divisions={county})

    def people() -> list[Any]:
        """The plans of the county's people's statements (not the transfers')."""
        explained = _explained(store, _postgresql_plan, actor=officer)
        return [plan for statement, plan in explained if "per_person" in statement]

    planned = people()
    assert len(planned) == 2  # read in two slices
    for plan in planned:
        assert _records_not_looked_up(plan) == []
    # The check fails on the plan it is there to catch: the same reads planned at the installed cost.
    monkeypatch.setattr(evaluator, "RANDOM_PAGE_COST", "SET LOCAL random_page_cost = 4")
    assert any(_records_not_looked_up(plan) for plan in people())


def test_the_plan_check_finds_a_pass_over_every_record_per_person(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    """The check above fails on the plan it is there to catch."""
    store = _loaded(make_databases("postgresql"), open_sql)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    query = (
        "WITH p AS (SELECT subject FROM antidrug_streams) SELECT p.subject, "
        "(SELECT count(*) FROM antidrug_records r WHERE r.payload LIKE p.subject || '%') FROM p"
    )
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        assert _full_scans_per_row(_postgresql_plan(cursor, query, None)) == ["Seq Scan on r"]
        by_type = (
            "SELECT p.subject, (SELECT count(*) FROM antidrug_records r WHERE r.type = 'transfer_accepted' "
            "AND r.on <= '2025-12-31' AND r.payload LIKE p.subject || '%') FROM antidrug_streams p"
        )
        assert _types_per_row(_postgresql_plan(cursor, by_type, None)) != []


def _mysql_plan(cursor: Any, statement: str, parameters: Any) -> Any:
    cursor.execute("EXPLAIN " + statement, parameters)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _mysql_analysed(cursor: Any, statement: str, parameters: Any) -> Any:
    """The plan as MariaDB ran it (``ANALYZE FORMAT=JSON`` runs the statement), with each table's
    ``r_loops``: how many times it was read."""
    cursor.execute("ANALYZE FORMAT=JSON " + statement, parameters)
    (found,) = cursor.fetchone()
    return json.loads(found)


def _tables(node: Any) -> Iterator[dict[str, Any]]:
    """Every table read in a MariaDB JSON plan, however deep in subqueries."""
    if isinstance(node, dict):
        if "table_name" in node:
            yield node
        for child in node.values():
            yield from _tables(child)
    elif isinstance(node, list):
        for child in node:
            yield from _tables(child)


def _mysql_scans_repeated(plan: dict[str, Any]) -> list[str]:
    """Stored tables read by a scan no outer row drives (``ALL``, ``range``, ``index``) more than
    once in one statement: the same rows read again for every row of another.

    A lookup by a value of the outer row (``ref``, ``eq_ref``) is how a person's
    records are read, and may run once per person; a scan of the province's
    rows may run only once. Temporary tables (``<derived…>``, ``<subquery…>``)
    are MariaDB's own and are left out.
    """
    return [
        f"{table['access_type']} on {table['table_name']}, {table['r_loops']} times by {table.get('key')}"
        for table in _tables(plan)
        if not str(table["table_name"]).startswith("<")
        and table.get("access_type") in ("ALL", "range", "index", "index_merge")
        and (table.get("r_loops") or 0) > 1
    ]


def _mysql_full_scans_per_row(plan: list[dict[str, Any]]) -> list[str]:
    """Tables read in full (``ALL``) by a dependent subquery, which runs once per row of another.

    MariaDB names a table by its alias here; every table the evaluator reads
    in a dependent subquery is one of the records' (or the stream heads').
    """
    return [
        f"{row['type']} on {row['table']}"
        for row in plan
        if str(row["select_type"]).upper().startswith("DEPENDENT") and row["type"] == "ALL"
    ]


def _mysql_planned_and_analysed(cursor: Any, statement: str, parameters: Any) -> Any:
    """Both of MariaDB's plans of a statement: as planned (``EXPLAIN``) and as run (``ANALYZE``)."""
    return _mysql_plan(cursor, statement, parameters), _mysql_analysed(cursor, statement, parameters)


@pytest.mark.parametrize("slices", [None, 2], ids=["whole", "in-slices"])
def test_the_fast_evaluator_on_mariadb_reads_no_table_in_full_per_person_and_the_province_once(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store], slices: int | None
) -> None:
    store = _loaded(make_databases("mysql"), open_sql)
    for statement, (planned, analysed) in _explained(store, _mysql_planned_and_analysed, slices):
        assert _mysql_full_scans_per_row(planned) == [], statement[:200]
        assert _mysql_scans_repeated(analysed) == [], statement[:200]


def test_the_plan_check_on_mariadb_finds_a_pass_over_every_record_per_person(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    store = _loaded(make_databases("mysql"), open_sql)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    query = (
        "SELECT s.subject, (SELECT count(*) FROM antidrug_records r "
        "WHERE r.payload LIKE concat(s.subject, '%')) FROM antidrug_streams s"
    )
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        assert _mysql_full_scans_per_row(_mysql_plan(cursor, query, None)) == ["ALL on r"]


def test_the_plan_check_on_mariadb_finds_a_read_of_every_record_of_a_type_per_person(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    """The check above fails on a plan it is there to catch: each person's transfers found through
    the (type, on) index, which reads the province's records of that type once per person (MariaDB
    chose it for the latest transfer at 3,000 people)."""
    store = _loaded(make_databases("mysql"), open_sql)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    query = (
        "SELECT s.subject, (SELECT count(*) FROM antidrug_records r "
        "FORCE INDEX (ix_antidrug_records_type_on) "
        "WHERE r.type IN ('test_due', 'test_done') AND r.subject = s.subject) FROM antidrug_streams s"
    )
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        repeated = _mysql_scans_repeated(_mysql_analysed(cursor, query, None))
    assert [found.split(",")[0] for found in repeated] == ["range on r"], repeated


def test_a_bulk_load_into_postgresql_leaves_the_planner_statistics(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    """Without them a fresh store was planned as empty: nested loops over every record."""
    store = _loaded(make_databases("postgresql"), open_sql)
    sql_engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    with sql_engine.connect() as connection:
        analysed = connection.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL "
            "AND relname IN ('antidrug_records', 'antidrug_streams', 'antidrug_access') "
            "AND schemaname = current_schema() ORDER BY relname"
        ).scalars()
        assert list(analysed) == ["antidrug_access", "antidrug_records", "antidrug_streams"]


def test_an_evaluation_gives_its_mariadb_sessions_back_as_it_found_them(
    make_databases: Callable[[str], Any], open_sql: Callable[..., Store]
) -> None:
    """The evaluator turns MariaDB's derived-table merging off for its own sessions
    (``NO_DERIVED_MERGE``); every pooled connection has it on again afterwards."""
    store = _loaded(make_databases("mysql"), open_sql)
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    _explained(store, _mysql_plan, slices=2)  # two threads, two connections
    pooled = engine.pool.checkedin()  # type: ignore[attr-defined]
    assert pooled >= 2
    connections = [engine.connect() for _ in range(pooled)]
    try:
        for connection in connections:
            switches = str(connection.exec_driver_sql("SELECT @@session.optimizer_switch").scalar())
            assert "derived_merge=on" in switches.split(","), switches
    finally:
        for connection in connections:
            connection.close()

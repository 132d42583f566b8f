"""The SQL store: SQLite by default, PostgreSQL and MariaDB/MySQL for platforms.

Opens ``sqlite:///path``, ``postgresql+psycopg://…`` and
``mysql+pymysql://…`` (or ``mariadb+pymysql://…``) URLs through the
``antidrug_open_recorder`` hook. Tables are SQLAlchemy Core tables derived
from the record classes; rows go through the core's one converter; the
schema is kept by Alembic migrations shipped in this package
(``antidrug init``). Names and identity numbers are encrypted with the
host's key; every record is in a hash chain that ``antidrug audit verify``
checks.

SQLite comes with ``pip install antidrug-core``; the server drivers with
its ``[postgresql]`` or ``[mysql]`` extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from antidrug_core.bootstrap import mask_url
from antidrug_core.model import DivisionTree, StoreUnavailable
from antidrug_core.plugins import hookimpl
from antidrug_core.ports import Recorder, Scope, StoreContext

if TYPE_CHECKING:
    from antidrug_core.indicators import EvaluationRequest, IndicatorDefinition, IndicatorResult

__all__ = ["SQL_SCHEMES", "antidrug_evaluate_indicators", "antidrug_open_recorder"]

SQL_SCHEMES = ("sqlite", "postgresql", "mysql", "mariadb")
"""URL schemes (before any ``+driver``) this plugin answers for."""


@hookimpl
def antidrug_open_recorder(url: str, context: StoreContext) -> Recorder | None:
    """Open the SQL store at ``url``; None for URLs of other stores."""
    if url.partition("://")[0].lower().partition("+")[0] not in SQL_SCHEMES:
        return None
    # Imported only now: loading the plugin (every ``open_store``) costs nothing for
    # hosts that use another store, and works without the [sql] extra installed.
    try:
        import sqlalchemy as sa

        from antidrug_sql.engines import create_store_engine, unavailable
        from antidrug_sql.recorder import SqlRecorder
        from antidrug_sql.schema import prepare_schema
    except ImportError as error:
        raise StoreUnavailable(
            f"{mask_url(url)}: the SQL store needs {error.name or 'SQLAlchemy'}; "
            "it is installed with pip install antidrug-core"
        ) from None

    engine, backend = create_store_engine(url)
    try:
        revisions = prepare_schema(engine, backend, url, create=context.create, upgrade=context.upgrade)
    except sa.exc.OperationalError as error:
        engine.dispose()
        raise unavailable(url, error, backend) from None
    except BaseException:
        engine.dispose()
        raise
    return SqlRecorder(engine, backend, url, context.identity_key, revisions, processes=context.processes)


@hookimpl
def antidrug_evaluate_indicators(
    recorder: Recorder,
    scope: Scope,
    request: EvaluationRequest,
    definitions: Sequence[IndicatorDefinition],
    tree: DivisionTree,
) -> list[IndicatorResult] | None:
    """Evaluate in the database when ``recorder`` is this plugin's (``antidrug_sql.evaluator``)."""
    try:
        from antidrug_sql.evaluator import evaluate_indicators
    except ImportError:  # no SQLAlchemy: then no recorder of this plugin exists either
        return None
    return evaluate_indicators(recorder, scope, request, definitions, tree)

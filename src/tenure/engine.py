"""Analytics engines: one Ibis expression, run on DuckDB, PostgreSQL or Apache Spark.

Metrics and features are written once as Ibis expressions over the canonical tables; an
:class:`Engine` gives those tables on one backend and executes expressions there.

- ``duckdb`` (default): an in-process DuckDB over the store: a SQLite store's columnar copies when
  current (see :mod:`tenure.store.analytics_copy`), else the store scanned in place (SQLite through
  DuckDB's sqlite extension, PostgreSQL through its postgres extension).
- ``postgres``: the expressions compile to SQL that runs inside the PostgreSQL store itself.
- ``spark``: a local (or configured) Spark session; the store's tables are loaded as Spark
  DataFrames through Arrow. For data that outgrows one machine, point
  :func:`open_engine` at tables already in Spark with ``spark_tables``.

Examples
--------
>>> import tenure
>>> engine = open_engine(tenure.connect())                       # doctest: +SKIP
>>> engine.execute(engine.table("customers").count())           # doctest: +SKIP
1204
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir

from tenure.errors import ConfigurationError, EngineError
from tenure.store.rollups import ROLLUPS
from tenure.store.tables import CANONICAL

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from tenure.store import Store

EngineName = Literal["duckdb", "postgres", "spark"]
ENGINES: tuple[str, ...] = ("duckdb", "postgres", "spark")


@dataclass
class Engine:
    """The canonical tables on one Ibis backend."""

    name: str
    backend: Any
    store: Store | None = None
    _tables: dict[str, ir.Table] = field(default_factory=dict)
    _rollups: set[str] | None = None
    copies: dict[str, Path] = field(default_factory=dict)
    """The columnar copies (:mod:`tenure.store.analytics_copy`) the tables are read from, by table name:
    what the engine's figures were computed from, so results derived from them can be kept beside them."""

    def table(self, name: str) -> ir.Table:
        """A canonical table, or a :mod:`rollup <tenure.store.rollups>` of the events, as an Ibis
        table expression.

        A rollup is read from its stored copy when the backend has a current one (DuckDB over a
        SQLite store), else computed from the events by its one definition.
        """
        if name not in CANONICAL and name not in ROLLUPS:
            raise ConfigurationError(f"no table {name!r}; expected one of {', '.join((*CANONICAL, *ROLLUPS))}")
        if name not in self._tables:
            if name in CANONICAL or name in self._stored_rollups():
                self._tables[name] = self.backend.table(name)
            else:
                source, define = ROLLUPS[name]
                self._tables[name] = define(self.table(source))
        return self._tables[name]

    def _stored_rollups(self) -> set[str]:
        if self._rollups is None:
            self._rollups = set(self.backend.list_tables()) & set(ROLLUPS) if self.name == "duckdb" else set()
        return self._rollups

    def execute(self, expr: ir.Expr) -> Any:
        """Run ``expr`` here: a DataFrame for tables, a scalar for scalars."""
        try:
            return self.backend.execute(expr)
        except Exception as exc:  # backend errors come in many types
            raise EngineError(f"the {self.name} engine failed: {exc}") from exc

    def to_pandas(self, expr: ir.Table) -> pd.DataFrame:
        """``expr``'s rows as a DataFrame converted from Arrow: numeric columns with gaps become floats
        with NaN, as pandas holds them. Faster than :meth:`execute` on wide results (Ibis's own
        conversion turns every column holding a null into Python objects first)."""
        return self.to_arrow(expr).to_pandas()

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        try:
            return self.backend.to_pyarrow(expr)
        except Exception as exc:
            raise EngineError(f"the {self.name} engine failed: {exc}") from exc

    def sql(self, expr: ir.Expr) -> str:
        """The SQL this engine runs for ``expr`` (for snapshots and debugging)."""
        return str(ibis.to_sql(expr, dialect=self.backend.name))

    def close(self) -> None:
        if self.name == "duckdb":
            self.backend.disconnect()


def open_engine(store: Store, name: str = "duckdb", spark_session: Any = None) -> Engine:
    """Open the analytics engine ``name`` over ``store``.

    Parameters
    ----------
    store
        The store whose canonical tables the engine reads.
    name
        ``duckdb`` (default), ``postgres`` (the store must be PostgreSQL) or ``spark``.
    spark_session
        An existing SparkSession; by default a local one is started.
    """
    if name == "duckdb":
        from tenure.store.analytics_copy import current_copies

        copies = current_copies(store) if store.dialect == "sqlite" else {}
        con = store.duckdb(attach=False, copies=copies)
        return Engine("duckdb", ibis.duckdb.from_connection(con), store, copies=copies)
    if name == "postgres":
        if store.dialect != "postgresql":
            raise ConfigurationError(
                "the postgres engine runs inside a PostgreSQL store, but this store is "
                f"{store.dialect}; use --db postgresql+psycopg://... or --engine duckdb"
            )
        import sqlalchemy as sa

        url = sa.make_url(store.url)
        backend = ibis.postgres.connect(
            host=url.host or "localhost",
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
        )
        return Engine("postgres", backend, store)
    if name == "spark":
        return _open_spark(store, spark_session)
    raise ConfigurationError(f"unknown engine {name!r}; expected one of {', '.join(ENGINES)}")


def spark_session() -> Any:
    """A local Spark session tuned for small jobs (UTC, Arrow transfer, few shuffle partitions)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError("the spark engine needs PySpark: pip install 'tenure[spark]' (and Java 17)") from exc
    os.environ.setdefault("PYSPARK_PYTHON", os.sys.executable)  # type: ignore[attr-defined]
    return (
        SparkSession.builder.master(os.environ.get("TENURE_SPARK_MASTER", "local[2]"))
        .appName("tenure")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", os.environ.get("TENURE_SPARK_DRIVER_MEMORY", "2g"))
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        .getOrCreate()
    )


def _open_spark(store: Store, session: Any) -> Engine:
    session = session or spark_session()
    for name in CANONICAL:
        data = store.table_arrow(name)
        frame = session.createDataFrame(data.to_pandas(types_mapper=None), schema=_spark_schema(data))
        frame.createOrReplaceTempView(name)
    return Engine("spark", ibis.pyspark.connect(session), store)


def _spark_schema(data: pa.Table) -> Any:
    """Spark schema for an Arrow table (explicit, so empty tables keep their column types)."""
    import pyarrow as pa
    from pyspark.sql import types as T

    def convert(t: pa.DataType) -> Any:
        if pa.types.is_timestamp(t):
            return T.TimestampNTZType()
        if pa.types.is_floating(t):
            return T.DoubleType()
        if pa.types.is_integer(t):
            return T.LongType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        return T.StringType()

    return T.StructType([T.StructField(f.name, convert(f.type), True) for f in data.schema])

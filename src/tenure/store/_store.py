"""The :class:`Store` handle: one database, migrated on open, and the ways to read it fast."""

from __future__ import annotations

import glob
import secrets
import site
import sysconfig
import threading
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import sqlalchemy as sa

from tenure.errors import ConfigurationError, EngineError, StoreError
from tenure.settings import Settings
from tenure.store import migrate
from tenure.store.database import create_engine, display_url, libpq_url, resolve_url, sqlite_path
from tenure.store.tables import CANONICAL, app_settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    import duckdb

    from tenure.ingest import ImportReport


STORE_LOCK = threading.RLock()
"""One thread at a time in this process writes to a store or opens it through another SQLite library.

Two reasons, both about SQLite stores. A transaction that reads before it writes fails at once
("database is locked") instead of waiting when another connection wrote meanwhile. And POSIX file
locks belong to the process: when a second copy of SQLite (DuckDB's scanner, ADBC's driver) closes
the file, the locks Python's sqlite3 holds on it are dropped, so a concurrent writer could corrupt
the file. Long-running processes (``tenure serve``, ``tenure worker``) therefore write through
:meth:`Store.transaction` and hold :attr:`Store.lock` around DuckDB and ADBC use; plain reads through
SQLAlchemy need not. On PostgreSQL it only serialises, harmlessly."""


class Store:
    """An open store.

    Use :func:`tenure.connect` or :meth:`Store.open`; the schema is migrated to the newest version on
    open.

    Examples
    --------
    >>> store = Store.open("sqlite:///example.db")  # doctest: +SKIP
    >>> store.counts()["customers"]                  # doctest: +SKIP
    0
    """

    def __init__(self, url: str, engine: sa.Engine, settings: Settings) -> None:
        self.url = url
        self.engine = engine
        self.settings = settings

    @classmethod
    def open(cls, url: str | None = None, settings: Settings | None = None, migrate_schema: bool = True) -> Store:
        settings = settings or Settings()
        resolved = resolve_url(url, settings)
        engine = create_engine(resolved)
        try:
            if migrate_schema:
                migrate.upgrade(engine)
        except sa.exc.OperationalError as exc:
            raise StoreError(
                f"could not open the store at {display_url(resolved)}: {exc.orig}. "
                "Check that the server is running and the URL is right."
            ) from exc
        return cls(resolved, engine, settings)

    def __repr__(self) -> str:
        return f"Store({display_url(self.url)!r})"

    lock = STORE_LOCK

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A write transaction, holding :data:`STORE_LOCK`: commits on success, rolls back on error."""
        with self.lock, self.engine.begin() as conn:
            yield conn

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    # -- fast paths ---------------------------------------------------------------------------

    def adbc(self) -> Any:
        """A new ADBC DB-API connection (autocommit off) for bulk loading and Arrow reads."""
        if self.dialect == "sqlite":
            import adbc_driver_sqlite.dbapi as adbc_sqlite

            self.engine.dispose()  # see duckdb(): one SQLite library at a time in this process

            conn = adbc_sqlite.connect(str(sqlite_path(self.url)))
            cur = conn.cursor()
            cur.execute("PRAGMA busy_timeout=60000")
            cur.close()
            return conn
        import adbc_driver_postgresql.dbapi as adbc_pg

        return adbc_pg.connect(libpq_url(self.url))

    def read_arrow(self, query: str | sa.Select, params: dict | None = None) -> pa.Table:
        """Run a query and return its rows as an Arrow table."""
        if isinstance(query, sa.Select):
            compiled = query.compile(self.engine, compile_kwargs={"literal_binds": True})
            query = str(compiled)
        conn = self.adbc()
        try:
            cur = conn.cursor()
            cur.execute(query, params)
            return cur.fetch_arrow_table()
        finally:
            conn.close()

    def table_arrow(self, name: str) -> pa.Table:
        """A whole canonical table as Arrow, with its declared types (timestamps as timestamps)."""
        if name not in CANONICAL:
            raise ConfigurationError(f"no table {name!r}; expected one of {', '.join(CANONICAL)}")
        con = self.duckdb()
        try:
            return con.execute(f'SELECT * FROM "{name}"').fetch_arrow_table()
        finally:
            con.close()

    def duckdb(self, attach: bool = True, copies: dict[str, Path] | None = None) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection that sees the store's canonical tables, read-only, as plain
        views ``<table>`` (from their columnar copies when current, see :mod:`tenure.store.analytics_copy`),
        the current :mod:`~tenure.store.rollups` as views of their own, and, with ``attach``, every
        table of the store as ``store.<table>``.

        SQLite stores are scanned in place through DuckDB's sqlite extension, PostgreSQL stores
        through its postgres extension; both extensions ship as Python packages, nothing is downloaded.
        Without ``attach``, a SQLite store whose copies are all current is not opened at all (loading
        the sqlite extension alone takes about 0.4 s). ``copies``: the columnar copies to read, as
        :func:`~tenure.store.analytics_copy.current_copies` gives them (read here when not given).
        """
        import duckdb

        from tenure.store.analytics_copy import current_copies

        if copies is None:
            copies = current_copies(self) if self.dialect == "sqlite" else {}
        scan = attach or any(name not in copies for name in CANONICAL)
        if self.dialect == "sqlite" and scan:
            # DuckDB reads SQLite through its own copy of the library; make sure none of this process's
            # other SQLite connections are open while DuckDB's comes and goes (their file locks would
            # be dropped with DuckDB's, letting another process reset the WAL index they still map).
            self.engine.dispose()
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        try:
            if self.dialect == "sqlite" and scan:
                con.execute(f"LOAD '{_duckdb_extension('sqlite_scanner')}'")
                path = str(sqlite_path(self.url)).replace("'", "''")
                con.execute(f"ATTACH '{path}' AS store (TYPE sqlite, READ_ONLY)")
            elif self.dialect != "sqlite":
                con.execute(f"LOAD '{_duckdb_extension('postgres_scanner')}'")
                dsn = libpq_url(self.url).replace("'", "''")
                con.execute(f"ATTACH '{dsn}' AS store (TYPE postgres, READ_ONLY)")
        except duckdb.Error as exc:
            raise EngineError(f"DuckDB could not attach the store at {display_url(self.url)}: {exc}") from exc
        for name, copy in copies.items():
            escaped = str(copy).replace("'", "''")
            con.execute(f"CREATE VIEW \"{name}\" AS SELECT * FROM read_parquet('{escaped}')")
        for name in CANONICAL:
            if name in copies:
                continue
            if name == "events" and self.dialect == "sqlite":
                # Events are a WITHOUT ROWID table; a query that needs no column (count(*)) makes the
                # scanner ask SQLite for a rowid it doesn't have. The always-true filter reads a column.
                con.execute("CREATE VIEW events AS SELECT * FROM store.events WHERE customer_id IS NOT NULL")
            else:
                con.execute(f'CREATE VIEW "{name}" AS SELECT * FROM store."{name}"')
        return con

    # -- contents -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per canonical table."""
        with self.engine.connect() as conn:
            return {
                name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
                for name, table in CANONICAL.items()
            }

    def import_folder(self, folder: str | Path, skip_invalid: bool = False, progress: Any = None) -> ImportReport:
        """Import a dataset folder; see :func:`tenure.ingest.import_folder`."""
        from tenure.ingest import import_folder

        return import_folder(self, folder, skip_invalid=skip_invalid, progress=progress)

    def app_setting(self, name: str, default: str | None = None, generate: bool = False) -> str | None:
        """A value the app keeps in the store; with ``generate``, a random secret made once and kept."""
        with self.engine.begin() as conn:
            value = conn.execute(sa.select(app_settings.c.value).where(app_settings.c.name == name)).scalar()
            if value is None and generate:
                value = secrets.token_urlsafe(32)
                conn.execute(sa.insert(app_settings).values(name=name, value=value))
            return value if value is not None else default

    @cached_property
    def secret_key(self) -> str:
        """The key that signs sessions and links: the setting, or one generated and kept in the store."""
        key = self.settings.secret_key or self.app_setting("secret_key", generate=True)
        assert key is not None
        return key


def _duckdb_extension(name: str) -> str:
    """Path of a DuckDB extension shipped by a ``duckdb-ext-*`` package."""
    import duckdb

    version = duckdb.__version__
    roots = {*site.getsitepackages(), site.getusersitepackages(), sysconfig.get_paths()["purelib"]}
    for root in roots:
        hits = glob.glob(f"{root}/duckdb_ext/extensions/v{version}/*/{name}.duckdb_extension")
        if hits:
            return hits[0]
    raise EngineError(
        f"the DuckDB {name} extension for DuckDB {version} is not installed; "
        f"install the package that ships it, e.g. pip install 'duckdb-ext-{name.split('_')[0]}=={version}.*'"
    )

"""Fresh databases on every engine for the SQL store's tests.

Every test runs on SQLite, PostgreSQL and MariaDB/MySQL. The servers are
the machine's own (``SERVERS``) unless ``ANTIDRUG_TEST_POSTGRESQL_URL`` or
``ANTIDRUG_TEST_MYSQL_URL`` names another. When none answers there, the
tests start a throwaway one from the installed server programs (Debian's
``postgresql`` and ``mariadb-server``) in a temporary folder, on a free port,
and stop it and remove the folder when the tests end (as pytest-postgresql
does); a database the URL names that is missing (MariaDB's ``test``) is
created. Where neither answers nor can be started, the tests fail naming the
server: a store test that skipped would pass unseen.

Every store gets a database of its own: a new file for SQLite, a new schema
on PostgreSQL, a new database on MariaDB; each is dropped after its test.
"""

from __future__ import annotations

import atexit
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from antidrug_core.bootstrap import open_store
from antidrug_core.plugins import hookimpl, make_plugin_manager
from antidrug_core.store import Store
from antidrug_core.testing import FixedClock, SequentialIds, at
from antidrug_sql.schema import VERSION_TABLE
from antidrug_sql.tables import METADATA

ENGINES = ("sqlite", "postgresql", "mysql")
SERVERS = {
    "postgresql": ("ANTIDRUG_TEST_POSTGRESQL_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
    "mysql": ("ANTIDRUG_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}
"""Engine → the variable that names its server, and the local server used when it is unset."""
IDENTITY_KEY = bytes(range(32))
IDENTITY_KEY_HEX = IDENTITY_KEY.hex()


class HostKey:
    """A host plugin that supplies the identity key, as a platform's key management would."""

    def __init__(self, key: bytes = IDENTITY_KEY) -> None:
        self.key = key

    @hookimpl
    def antidrug_identity_key(self) -> bytes | None:
        return self.key


_admins: dict[str, sa.Engine] = {}
_UNKNOWN_DATABASE = 1049
"""MariaDB/MySQL's error for a database that does not exist."""


def _answers(url: str) -> BaseException | None:
    """None when the server at ``url`` answers; otherwise why not."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"connect_timeout": 10})
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:
        return error
    finally:
        engine.dispose()
    return None


def _create_missing_database(url: str, error: BaseException) -> bool:
    """Create the database ``url`` names when the server answered that it does not exist."""
    orig = getattr(error, "orig", None)
    if not (orig is not None and getattr(orig, "args", (None,))[0] == _UNKNOWN_DATABASE):
        return False
    parsed = make_url(url)
    server = sa.create_engine(
        parsed.set(database=""), poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(
                f"CREATE DATABASE IF NOT EXISTS `{parsed.database}` CHARACTER SET utf8mb4"
            )
    finally:
        server.dispose()
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _program(*names: str) -> str | None:
    """The first installed server program of ``names`` (PostgreSQL's live in a versioned folder)."""
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
        versioned = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
        if versioned:
            return versioned[-1]
    return None


class Throwaway:
    """A server started for these tests in a temporary folder, stopped and removed when they end."""

    def __init__(self, engine: str) -> None:
        self.engine = engine
        self.folder = Path(tempfile.mkdtemp(prefix=f"antidrug-test-{engine}-"))
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        # The servers refuse to run as root; as root they run as their own system user.
        self.user = ("postgres" if engine == "postgresql" else "mysql") if os.geteuid() == 0 else None
        if self.user is not None:
            shutil.chown(self.folder, self.user)

    def _as_user(self, command: list[str]) -> list[str]:
        return ["runuser", "-u", self.user, "--", *command] if self.user is not None else command

    def start(self) -> str:
        """Start the server; its URL.

        Raises:
            RuntimeError: the server programs are not installed, or the server did not start.
        """
        data = self.folder / "data"
        log = self._log = open(self.folder / "server.log", "wb")  # noqa: SIM115  # closed by stop()
        if self.engine == "postgresql":
            initdb = _program("initdb")
            if initdb is None:
                raise RuntimeError("PostgreSQL's initdb is not installed (apt-get install postgresql)")
            bin_dir = Path(initdb).parent
            subprocess.run(
                self._as_user(
                    [initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]
                ),
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            command = [
                str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port), "-k", str(self.folder),
                "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
            ]  # fmt: skip
            url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        else:
            install = _program("mariadb-install-db", "mysql_install_db")
            server = _program("mariadbd", "mysqld")
            if install is None or server is None:
                raise RuntimeError("MariaDB's server is not installed (apt-get install mariadb-server)")
            subprocess.run(
                self._as_user([
                    install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ]),
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            command = [
                server, "--no-defaults", f"--datadir={data}", f"--port={self.port}",
                "--bind-address=127.0.0.1",
                f"--socket={self.folder / 'mysqld.sock'}", f"--pid-file={self.folder / 'mysqld.pid'}",
                "--innodb-flush-log-at-trx-commit=2", "--skip-log-bin",
            ]  # fmt: skip
            url = f"mysql+pymysql://root@127.0.0.1:{self.port}/test"
        self.process = subprocess.Popen(self._as_user(command), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            error = _answers(url)
            if error is None or (self.engine == "mysql" and _create_missing_database(url, error)):
                return url
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the throwaway {self.engine} server did not start: {error}")
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop the server (it shuts down cleanly on SIGTERM) and remove its folder."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.folder, ignore_errors=True)


_throwaways: dict[str, Throwaway] = {}


@atexit.register
def _stop_throwaways() -> None:
    for server in _throwaways.values():
        server.stop()
    _throwaways.clear()


def _server_url(engine: str) -> str:
    """The URL of a server of ``engine`` that answers: the configured one, or a throwaway one."""
    variable, local = SERVERS[engine]
    url = os.environ.get(variable) or local
    error = _answers(url)
    if error is None or (
        engine == "mysql" and _create_missing_database(url, error) and _answers(url) is None
    ):
        return url
    server = Throwaway(engine)
    try:
        started = server.start()
    except (OSError, RuntimeError, subprocess.CalledProcessError) as failure:
        server.stop()
        pytest.fail(
            f"{engine} at {make_url(url).render_as_string(hide_password=True)} does not answer "
            f"(set {variable} to a server the SQL store tests can use): {str(error).splitlines()[0]}; "
            f"and no throwaway server could be started: {failure}"
        )
    _throwaways[engine] = server
    return started


def _admin(engine: str) -> tuple[sa.Engine, str]:
    if engine not in _admins:
        url = _server_url(engine)
        _admins[engine] = sa.create_engine(
            url,
            poolclass=sa.pool.NullPool,
            isolation_level="AUTOCOMMIT",
            connect_args={"connect_timeout": 10},  # a server that drops packets fails, not hangs
        )
    admin = _admins[engine]
    url = admin.url.render_as_string(hide_password=False)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
    except Exception as error:
        pytest.fail(
            f"{engine} at {make_url(url).render_as_string(hide_password=True)} stopped answering: "
            f"{str(error).splitlines()[0]}"
        )
    return admin, url


class Databases:
    """Makes empty databases on one engine and drops them all at the end of the test."""

    def __init__(self, engine: str, folder: Path) -> None:
        self.engine = engine
        self.folder = folder
        self._made: list[str] = []

    def new(self) -> str:
        """The URL of a new, empty database."""
        name = f"antidrug_t_{uuid.uuid4().hex[:12]}"
        if self.engine == "sqlite":
            return f"sqlite:///{self.folder / (name + '.db')}"
        admin, url = _admin(self.engine)
        with admin.connect() as connection:
            if self.engine == "postgresql":
                connection.exec_driver_sql(f"CREATE SCHEMA {name}")
            else:
                connection.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
        self._made.append(name)
        parsed = make_url(url)
        if self.engine == "postgresql":
            parsed = parsed.update_query_dict({"options": f"-csearch_path={name}"})
        else:
            parsed = parsed.set(database=name)
        return parsed.render_as_string(hide_password=False)

    def drop(self) -> None:
        if not self._made:
            return
        admin, _url = _admin(self.engine)
        with admin.connect() as connection:
            for name in self._made:
                if self.engine == "postgresql":
                    connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {name} CASCADE")
                else:
                    connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        self._made.clear()


@pytest.fixture
def make_databases(tmp_path: Path) -> Iterator[Callable[[str], Databases]]:
    """``make_databases("postgresql").new()`` is the URL of a fresh database, dropped after the test."""
    made: list[Databases] = []

    def make(engine: str) -> Databases:
        databases = Databases(engine, tmp_path)
        made.append(databases)
        return databases

    yield make
    for databases in made:
        databases.drop()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn."""
    return str(request.param)


@pytest.fixture
def databases(engine: str, make_databases: Callable[[str], Databases]) -> Databases:
    """Fresh databases on the engine under test."""
    return make_databases(engine)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(at("2023-07-01"))


@pytest.fixture
def open_sql(clock: FixedClock) -> Iterator[Callable[..., Store]]:
    """Open a store with the host key plugin, the fixed clock and sequential ids; closed after the test."""
    opened: list[Store] = []

    def open_(url: str, *, key: bytes | None = IDENTITY_KEY, **options: Any) -> Store:
        extra = [HostKey(key)] if key is not None else []
        options.setdefault("plugins", make_plugin_manager(plugins=extra))
        options.setdefault("clock", clock)
        options.setdefault("ids", SequentialIds(prefix=f"r{uuid.uuid4().hex[:6]}-"))
        store = open_store(url, **options)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def host_key() -> Callable[[bytes], HostKey]:
    return HostKey


Snapshot = Callable[[Store], dict[str, list[Any]]]


def _snapshot(store: Store) -> dict[str, list[Any]]:
    """Every row of every table of the store, its schema revision and its indexes: equal before
    and after a failed write exactly when the failure left nothing behind."""
    engine: sa.Engine = store.recorder.engine  # type: ignore[attr-defined]
    found: dict[str, list[Any]] = {}
    with engine.connect() as connection:
        for table in METADATA.sorted_tables:
            order = list(table.primary_key.columns)
            found[table.name] = [tuple(row) for row in connection.execute(sa.select(table).order_by(*order))]
        found[VERSION_TABLE] = list(connection.execute(sa.text(f"SELECT * FROM {VERSION_TABLE}")))
        inspector = sa.inspect(connection)
        found["indexes"] = sorted(  # a load into an empty store drops and builds them again
            (table, index["name"], tuple(index["column_names"]), bool(index["unique"]))
            for table in METADATA.tables
            for index in inspector.get_indexes(table)
        )
    return found


@pytest.fixture
def snapshot() -> Snapshot:
    """A store's every row and index, to compare before and after a write."""
    return _snapshot


StoreWide = Callable[..., None]


def _store_wide(engine: sa.Engine, key: bytes = IDENTITY_KEY) -> None:
    """Rewrite every identity as stores before revision 0010 held them: format 0x01, AES-256-GCM under
    one key derived from the host key (HKDF-SHA256, "antidrug-identity/1 encryption"), no data key of
    its own. Spelled out here rather than taken from the store, so the old format stays pinned."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from antidrug_sql.identities import IdentityCipher
    from antidrug_sql.tables import IDENTITIES, IDENTITY_KEYS

    old = AESGCM(
        HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"antidrug-identity/1 encryption").derive(
            key
        )
    )
    cipher = IdentityCipher(key)
    table = IDENTITIES.name
    with engine.begin() as connection:
        wrapped = dict(connection.execute(sa.select(IDENTITY_KEYS.c.person, IDENTITY_KEYS.c.key)).all())
        for row in connection.execute(sa.select(IDENTITIES)).all():
            own = cipher.person_key(row.person, bytes(wrapped[row.person]))
            values = {}
            for column in ("name", "resident_id"):
                plain = cipher.decrypt(table, column, row.person, bytes(getattr(row, column)), own)
                nonce = os.urandom(12)
                binding = "\x00".join((table, column, row.person)).encode()
                values[column] = b"\x01" + nonce + old.encrypt(nonce, plain.encode(), binding)
            connection.execute(
                sa.update(IDENTITIES).where(IDENTITIES.c.person == row.person).values(**values)
            )
        connection.execute(sa.delete(IDENTITY_KEYS))


@pytest.fixture
def store_wide() -> StoreWide:
    """Turns a store's identities back into the store-wide format of before per-person keys."""
    return _store_wide

"""A store that cannot open says so in one line: the URL with its password masked, and what to do."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from antidrug_core.bootstrap import open_store
from antidrug_core.cli import main
from antidrug_core.model import StoreUnavailable
from antidrug_core.store import Store

SECRET = "s3cret-pw"


def refused(url: str) -> str:
    with pytest.raises(StoreUnavailable) as caught:
        open_store(url)
    message = str(caught.value)
    assert "\n" not in message
    assert SECRET not in message
    return message


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "module", "install"),
    [
        (f"postgresql+psycopg://antidrug:{SECRET}@db.example:5432/antidrug", "psycopg", "[postgresql]"),
        (f"mysql+pymysql://antidrug:{SECRET}@db.example:3306/antidrug", "pymysql", "[mysql]"),
    ],
)
def test_a_missing_driver_names_the_extra_to_install(
    url: str, module: str, install: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # "not installed": importing it fails
    message = refused(url)
    assert message.startswith(url.replace(SECRET, "***").split("@")[0])
    assert f'pip install "antidrug-core{install}"' in message


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "mysql+pymysql"])
def test_a_server_that_does_not_answer_names_the_url_and_what_to_check(scheme: str) -> None:
    url = f"{scheme}://antidrug:{SECRET}@127.0.0.1:{closed_port()}/antidrug"
    message = refused(url)
    assert f"{scheme}://antidrug:***@127.0.0.1:" in message
    assert "check the server address and port" in message


@pytest.mark.parametrize(
    ("url", "advice"),
    [
        (f"postgresql://antidrug:{SECRET}@db.example/antidrug", "postgresql+psycopg://"),
        (f"postgresql+asyncpg://antidrug:{SECRET}@db.example/antidrug", "postgresql+psycopg://"),
        (f"mysql+mysqldb://antidrug:{SECRET}@db.example/antidrug", "mysql+pymysql://"),
        ("sqlite://", "memory://"),
        ("sqlite:///:memory:", "memory://"),
    ],
)
def test_a_url_the_store_cannot_use_says_which_form_to_write(url: str, advice: str) -> None:
    assert advice in refused(url)


def test_a_sqlite_file_in_a_missing_folder_says_to_check_the_folder(tmp_path: Path) -> None:
    message = refused(f"sqlite:///{tmp_path / 'no-such-folder' / 'antidrug.db'}")
    assert "check that its folder exists and is writable" in message


def test_the_command_line_prints_one_line_and_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"postgresql+psycopg://antidrug:{SECRET}@127.0.0.1:{closed_port()}/antidrug"
    assert main(["init", "--db", url]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert SECRET not in err
    assert "antidrug:***@127.0.0.1" in err


def test_urls_of_other_stores_are_left_to_other_plugins(open_sql: Callable[..., Store]) -> None:
    with pytest.raises(StoreUnavailable, match="no installed plugin opens 'nosuch' URLs"):
        open_store("nosuch://x")
    store = open_sql("memory://")
    assert type(store.recorder).__name__ == "MemoryRecorder"

"""The SQLite database, its folder and the secret key are readable by their owner only."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from adapters import migrate
from adapters.settings import Settings
from adapters.storage import create_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_folder_are_the_owners_only(tmp_path):
    folder = tmp_path / "instance"
    url = f"sqlite:///{folder / 'civicfund.sqlite3'}"
    migrate.upgrade(url)

    assert mode(folder) == 0o700
    assert mode(folder / "civicfund.sqlite3") == 0o600
    engine = create_engine(url)
    with engine.connect() as conn:  # WAL files take the database's mode
        conn.exec_driver_sql("SELECT count(*) FROM accounts").all()
        for extra in folder.glob("civicfund.sqlite3-*"):
            assert mode(extra) == 0o600, extra
    engine.dispose()


def test_the_secret_key_is_made_once_the_owners_only(tmp_path):
    from web.app import _secret_key

    folder = tmp_path / "instance"
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(_secret_key(Settings(), str(folder))))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    path = folder / "secret_key"
    assert len(set(keys)) == 1 and keys[0] == path.read_text()
    assert len(keys[0]) == 64
    assert mode(path) == 0o600 and mode(folder) == 0o700
    assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no drafts left behind
    assert _secret_key(Settings(), str(folder)) == keys[0]


def test_a_configured_secret_key_writes_no_file(tmp_path):
    from web.app import _secret_key

    assert _secret_key(Settings(secret_key="from-the-environment"), str(tmp_path / "i")) == (
        "from-the-environment")
    assert not (tmp_path / "i").exists()

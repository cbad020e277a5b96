"""The layout rules of the brief, checked on the source itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ALLOWED_IN_DOMAIN = set(sys.stdlib_module_names) | {"eventsourcing", "domain"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_domain_imports_only_the_standard_library_and_eventsourcing():
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_roots(path) - ALLOWED_IN_DOMAIN)
        for path in (ROOT / "domain").rglob("*.py")
    }
    assert {path: bad for path, bad in offenders.items() if bad} == {}


def test_platform_folder_holds_no_python_package_that_would_shadow_the_stdlib():
    platform_dir = ROOT / "platform"
    assert not (platform_dir / "__init__.py").exists()
    import platform

    assert Path(platform.__file__).parent != platform_dir
    assert callable(platform.python_version)


def test_every_stored_event_table_is_created_by_a_migration_not_at_start():
    from adapters.storage import event_store_env

    for url in ("sqlite:////tmp/x.sqlite3", "postgresql+psycopg://u@127.0.0.1:5432/db"):
        assert event_store_env(url)["CREATE_TABLE"] == "false"

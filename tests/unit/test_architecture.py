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


# -- layout by capability ----------------------------------------------------------------------

# What each area of the domain may import besides the standard library and eventsourcing. The
# kernel imports no area; the application-level modules (application, core, topics,
# transcodings) compose the areas.
DOMAIN_AREAS = {
    "kernel": set(),
    "cities": {"kernel"},
    "crowdfunding": {"kernel", "cities", "core"},
    "matching": {"kernel", "cities", "crowdfunding", "core"},
    "accounts": {"kernel", "crowdfunding", "core"},
    "ledger": {"kernel", "crowdfunding", "matching", "procurement", "investment"},
    "procurement": {"kernel", "cities", "crowdfunding", "core"},
    # A benefit-sharing agreement's community-fund share tops up a matching fund.
    "investment": {"kernel", "cities", "crowdfunding", "matching", "core"},
    "transparency": {"kernel"},
    # Questions, answers and following are about a pilot.
    "conversation": {"kernel", "crowdfunding", "core"},
    # A pilot's pictures (its delivery decides who adds them) and a fund's sponsor logo.
    "pictures": {"kernel", "crowdfunding", "matching", "core"},
    # The languages pages and mail are written in, and a city's default one.
    "i18n": {"kernel"},
}
# Where concrete adapters live: pages reach the outside world through the platform, never these.
CONCRETE_ADAPTERS = {"adapters.sandbox_payments", "adapters.stripe_payments",
                     "adapters.event_store", "adapters.storage", "adapters.projections",
                     "adapters.tables", "adapters.follower"}


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def test_each_domain_area_imports_only_the_kernel_and_the_areas_it_builds_on():
    offenders = {}
    for area, allowed in DOMAIN_AREAS.items():
        for path in (ROOT / "domain" / area).rglob("*.py"):
            used = {m.split(".")[1] for m in imported_modules(path)
                    if m.startswith("domain.") and len(m.split(".")) > 1}
            bad = used - allowed - {area}
            if bad:
                offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_the_domain_has_a_package_per_area_and_no_loose_area_modules():
    loose = {p.name for p in (ROOT / "domain").glob("*.py")}
    assert loose <= {"__init__.py", "application.py", "core.py", "topics.py", "transcodings.py"}
    assert {p.name for p in (ROOT / "domain").iterdir() if (p / "__init__.py").exists()} == (
        set(DOMAIN_AREAS))


def web_modules() -> list[Path]:
    return [p for p in (ROOT / "web").rglob("*.py") if "__pycache__" not in p.parts]


def is_api_module(path: Path) -> bool:
    name = module_name(path)
    return ".api" in name or name.split(".")[-1].startswith("api")


def test_pages_import_neither_the_apis_modules_nor_concrete_adapters():
    offenders = {}
    for path in web_modules():
        name = module_name(path)
        # The app's assembly, and the JSON both a page and the API write (web/<area>/*_json.py).
        if (is_api_module(path) or name.endswith("_json")
                or name in ("web.blueprints", "web.app", "web.cli", "web.demo")):
            continue
        bad = {m for m in imported_modules(path)
               if is_api_path(m) or any(m == a or m.startswith(a + ".")
                                        for a in CONCRETE_ADAPTERS)}
        if bad:
            offenders[name] = sorted(bad)
    assert offenders == {}


def is_api_path(module: str) -> bool:
    parts = module.split(".")
    return parts[0] == "web" and any(p == "api" or p.startswith("api_") for p in parts[1:])


def test_api_modules_do_not_import_pages():
    pages = {module_name(p) for p in web_modules()
             if not is_api_module(p) and "Blueprint(" in p.read_text()}
    offenders = {}
    for path in web_modules():
        if not is_api_module(path):
            continue
        bad = imported_modules(path) & pages
        if bad:
            offenders[module_name(path)] = sorted(bad)
    assert offenders == {}


def test_blueprints_are_imported_by_name_not_looked_up_by_string():
    text = (ROOT / "web" / "blueprints.py").read_text()
    assert "importlib" not in text and "import_module" not in text


def test_every_operation_crowdfunding_asks_of_its_funding_partners_is_defined():
    """FundingPartners declares what matching, procurement and investment define for
    crowdfunding; the composed application must define every one of them."""
    from domain.application import Civicfund
    from domain.crowdfunding.funding_partners import FundingPartners

    declared = set(FundingPartners.__annotations__)
    assert len(declared) == 10
    missing = {name for name in declared if not callable(getattr(Civicfund, name, None))}
    assert missing == set()

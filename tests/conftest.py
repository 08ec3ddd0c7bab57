"""Shared fixtures: the shipped plans and the test plans."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.plan import Plan, load_plan

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # its writes lock SQLite

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
PLANS = Path(__file__).resolve().parent / "data" / "plans"
# By name, never by globbing config/: a draft saved there (config/nhap.yaml, half written) is
# not a shipped plan and must not break the suite. A plan added to config/ is added here, and
# tests/test_documents.py fails until it is.
SHIPPED_PLANS = [CONFIG / "dong-ha-2018.yaml", CONFIG / "plan.yaml"]
ALL_VALID_PLANS = [*SHIPPED_PLANS, PLANS / "minimal.yaml"]


@pytest.fixture(scope="session")
def hai_duong() -> Plan:
    """The default plan: Hải Dương 2017."""
    return load_plan(CONFIG / "plan.yaml")


@pytest.fixture(scope="session")
def dong_ha() -> Plan:
    """The second shipped plan: Đông Hà 2018, of another shape."""
    return load_plan(CONFIG / "dong-ha-2018.yaml")


@pytest.fixture(scope="session")
def minimal() -> Plan:
    """A small plan of a third shape: province -> commune, one-level gazetteer."""
    return load_plan(PLANS / "minimal.yaml")


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run the test from the project root, so messages show paths as staff see them."""
    monkeypatch.chdir(ROOT)
    return ROOT


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden/ from the documents rendered now (then review the diff)",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether golden text files are rewritten instead of compared."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[str]:
    """One real Prefect API (temporary SQLite database) for the whole test session; its URL,
    for the programs a test starts."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server for the session (CI, MOHINH_REQUIRE_POSTGRES=1, fails rather than
    skip when PostgreSQL is missing); its URL without a database."""
    from tests import postgres

    if postgres.programs() is None:
        if os.environ.get("MOHINH_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL is required here but pg_ctl is not installed")
        pytest.skip("PostgreSQL is not installed")
    with postgres.cluster() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: str, request: pytest.FixtureRequest) -> str:
    """A new empty PostgreSQL database for one test; its SQLAlchemy URL."""
    from tests import postgres

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    return postgres.create_database(postgres_server, name)


@pytest.fixture
def libreoffice() -> None:
    """LibreOffice is there; CI (MOHINH_REQUIRE_LIBREOFFICE=1) fails rather than skip."""
    from flows.documents.pdf import soffice

    if soffice() is None:
        if os.environ.get("MOHINH_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice is required here but soffice is not on PATH")
        pytest.skip("LibreOffice is not installed")


@pytest.fixture
def poppler(libreoffice: None) -> None:
    """LibreOffice and poppler's pdfinfo and pdftotext (to read the PDFs it makes) are there;
    CI (MOHINH_REQUIRE_LIBREOFFICE=1) fails rather than skip."""
    import shutil

    if shutil.which("pdfinfo") is None or shutil.which("pdftotext") is None:
        if os.environ.get("MOHINH_REQUIRE_LIBREOFFICE"):
            pytest.fail("poppler-utils (pdfinfo, pdftotext) are required here but not on PATH")
        pytest.skip("poppler-utils are not installed")

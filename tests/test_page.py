"""The status pages (outbox/index.html and a page per site) on both shipped plans: what they
show, the colour of every cell, that every link resolves to a file beside the page, that a
site's page holds nothing of another site, escaping, a plan too big to show site by site, and
the pages in a real headless Chromium (screenshot and DOM)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.documents import page as page_module
from flows.documents import service
from flows.documents.outbox import REPORT_FOLDER, RUNS_FOLDER, sweep
from flows.documents.page import GROUPS_FOLDER, PAGE, write_pages
from flows.documents.report import CHART_LEGEND
from flows.documents.service import TEMPLATES, DocumentOptions
from flows.documents.status import Evidence, build_matrix, status_matrix
from flows.names import safe_name
from flows.plan import load_plan, load_plan_text
from tests.conftest import CONFIG
from tests.test_documents import (  # noqa: F401 - fixtures
    Campaign,
    campaign,
    dong_ha_campaign,
    hai_duong_campaign,
)

NO_PDF = DocumentOptions(pdf=False)
WRITTEN_AT = datetime(2017, 11, 27, 7, 30, tzinfo=UTC)
HEADINGS = [
    "Tổng quan",
    "Tình hình gửi báo cáo của từng đơn vị",
    "Biểu đồ",
    "Nộp muộn",
    "Quá hạn, còn thiếu",
    "Đơn vị đủ điều kiện kiểm tra, công nhận",
    "Văn bản đã ghi",
]
PNG = b"\x89PNG\r\n\x1a\n"


class Parsed(HTMLParser):
    """What a page holds: its links and images, the classes of its matrix cells (row by row),
    its section headings, whether it has scripts, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.sources: list[str] = []
        self.cells: list[list[str]] = []
        self.headings: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self._heading: list[str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if tag == "a" and found.get("href") is not None:
            self.hrefs.append(str(found["href"]))
        if tag in ("img", "script", "link") and (found.get("src") or found.get("href")):
            self.sources.append(str(found.get("src") or found.get("href")))
        if tag == "tr":
            self.cells.append([])
        if tag == "td" and "cell" in (found.get("class") or "").split():
            self.cells[-1].append(str(found["class"]))
        if tag == "h2":
            self._heading = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2" and self._heading is not None:
            self.headings.append("".join(self._heading).strip())
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)

    @property
    def matrix(self) -> list[list[str]]:
        """The state of each cell of the status matrix, row by row."""
        return [[c.split()[1].removeprefix("s-") for c in row] for row in self.cells if row]


def parse(path: Path) -> Parsed:
    return Parsed(path.read_text(encoding="utf-8"))


def target(page: Path, href: str) -> Path:
    """The file a relative link of ``page`` points at."""
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, f"{page}: link {href!r} is not relative"
    return (page.parent / unquote(parts.path)).resolve()


def assert_links_resolve(page: Path, hrefs: list[str]) -> None:
    for href in hrefs:
        assert target(page, href).is_file(), f"{page}: {href} leads nowhere"


def documents(folder: Path) -> set[Path]:
    """The documents in an outbox folder (not pages, not hidden, not the run manifests)."""
    return {
        p.resolve()
        for p in folder.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and not p.name.endswith(".html")
        and RUNS_FOLDER not in p.relative_to(folder).parts
    }


@pytest.fixture
def pages(campaign: Campaign) -> Campaign:  # noqa: F811 - the imported fixture
    """The campaign with its pages written (each test again: a test may change the outbox)."""
    service.status_page(campaign.plan, campaign.root / "state", campaign.outbox, campaign.as_of)
    return campaign


def test_the_office_page_shows_where_every_site_stands(pages: Campaign) -> None:
    plan, outbox = pages.plan, pages.outbox
    index = outbox / PAGE
    parsed = parse(index)
    text = "".join(parsed.text)
    assert parsed.headings[: len(HEADINGS)] == HEADINGS
    assert f"Tình hình gửi báo cáo đến ngày {pages.as_of:%d/%m/%Y}" in text
    assert plan.campaign.title in text
    matrix = status_matrix(plan, pages.root / "state", pages.as_of, None)
    assert parsed.matrix == [
        [row.cells[m.id].state if m.id in row.cells else "none" for m in plan.milestones]
        for row in matrix.rows
    ]
    for row in matrix.rows:
        assert row.name in text
    # the colour of each state, and the legend naming every state in the chart's colours
    html = index.read_text(encoding="utf-8")
    for key, label, colour in CHART_LEGEND:
        assert f".s-{key}{{background:{colour};" in html
        assert f'<span class="chip s-{key}"></span><span><b>{label}</b>' in html
    # the chart is inside the page
    (chart,) = parsed.sources
    assert chart.startswith("data:image/png;base64,")
    assert base64.b64decode(chart.split(",", 1)[1]).startswith(PNG)
    # nothing to fetch, nothing to run
    assert "script" not in parsed.tags and "link" not in parsed.tags
    outside = html.replace(chart, "")
    assert not re.search(r"(?i)(https?:)?//[a-z]|url\(|@import|@font-face", outside)


def test_the_office_page_lists_late_missing_and_ready_as_the_report_does(pages: Campaign) -> None:
    from flows.documents.report import Report

    plan = pages.plan
    matrix = build_matrix(plan, evidence(pages), pages.as_of)
    report = Report(plan, matrix)
    text = "".join(parse(pages.outbox / PAGE).text)
    for line in [*report.late(), *report.missing()]:
        assert line in text
    ready = [r.site for r in report.readiness if r.ready]
    not_ready = [r for r in report.readiness if not r.ready]
    assert len(not_ready) + len(ready) == len(plan.sites)
    for item in not_ready:
        assert f"{item.site}: {'; '.join(item.reasons)}" in text
    if not ready:
        assert "Chưa có đơn vị nào đủ điều kiện." in text


def evidence(campaign: Campaign) -> Evidence:  # noqa: F811 - a parameter of the same name
    from flows.intake.ledger import Ledger, database_url

    ledger = Ledger(database_url(campaign.root / "state"), campaign.plan.campaign.id)
    try:
        return Evidence.from_ledger(ledger)
    finally:
        ledger.close()


def test_every_link_resolves_and_every_document_is_linked(pages: Campaign) -> None:
    outbox = pages.outbox
    index = outbox / PAGE
    parsed = parse(index)
    assert_links_resolve(index, parsed.hrefs)
    linked = {target(index, h) for h in parsed.hrefs}
    assert documents(outbox) <= linked, sorted(documents(outbox) - linked)
    assert any(p.parent.name == REPORT_FOLDER for p in linked)
    for site in pages.plan.sites:
        assert (outbox / safe_name(site.id) / PAGE).resolve() in linked


def test_a_site_page_shows_only_that_site(pages: Campaign) -> None:
    plan, outbox = pages.plan, pages.outbox
    names = {s.id: plan.site_name(s) for s in plan.sites}
    own_documents = 0
    for site in plan.sites:
        folder = outbox / safe_name(site.id)
        page = folder / PAGE
        parsed = parse(page)
        assert_links_resolve(page, parsed.hrefs)
        linked = {target(page, h) for h in parsed.hrefs}
        assert linked - {(outbox / PAGE).resolve()} == documents(folder)
        own_documents += len(documents(folder))
        text = "".join(parsed.text)
        assert names[site.id] in parsed.headings or names[site.id] in text
        others = [n for i, n in names.items() if i != site.id and n not in names[site.id]]
        assert not [n for n in others if n in text], f"{site.id}'s page names another site"
        html = page.read_text(encoding="utf-8")
        for other in plan.sites:
            if other.id != site.id:
                assert f"{safe_name(other.id)}/" not in html
        row = next(r for r in status_matrix(plan, pages.root / "state", pages.as_of, None).rows
                   if r.site.id == site.id)  # fmt: skip
        states = [c.split()[1].removeprefix("s-") for r in parsed.cells for c in r]
        assert states == [row.cells[m.id].state for m in plan.milestones if m.id in row.cells]
    assert own_documents > 0


def test_feedback_is_listed_under_the_name_of_the_file_sent(pages: Campaign) -> None:
    from flows.intake.ledger import Ledger, database_url

    ledger = Ledger(database_url(pages.root / "state"), pages.plan.campaign.id)
    try:
        sent = ledger.file_names()
    finally:
        ledger.close()
    answers = sorted(pages.outbox.glob("*/phan-hoi-*.docx"))
    assert answers
    for answer in answers:
        number = int(answer.name.split("-")[5])
        where = answer.parent / PAGE
        if answer.parent.name == "khong-ro-don-vi":
            where = pages.outbox / PAGE
        assert f"Phiếu phản hồi về tệp “{sent[number]}”" in "".join(parse(where).text)


@pytest.mark.parametrize("plan_file", ["plan.yaml", "dong-ha-2018.yaml"])
def test_blank_forms_are_named_as_the_outbox_names_them(plan_file: str) -> None:
    from flows.documents.outbox import form_file_name

    plan = load_plan(CONFIG / plan_file)
    names = page_module.FormNames(plan)
    for site in plan.sites:
        expected = {form_file_name(m.id, site.id): m.name for m in plan.milestones}
        assert names.of(safe_name(site.id)) == expected


def test_pages_not_changed_are_not_written_again(pages: Campaign) -> None:
    plan, outbox = pages.plan, pages.outbox
    sites = [outbox / safe_name(s.id) / PAGE for s in plan.sites]
    before = {p: p.stat().st_ino for p in sites}
    again = service.status_page(plan, pages.root / "state", outbox, pages.as_of)
    assert again.sites == len(plan.sites)
    assert {p: p.stat().st_ino for p in sites} == before
    assert set(again.pages) <= {outbox / PAGE}  # its time of writing, to the minute
    assert not list(outbox.rglob(".*.tmp"))


def test_markup_in_a_plan_is_shown_as_text(tmp_path: Path) -> None:
    source = (CONFIG / "dong-ha-2018.yaml").read_text(encoding="utf-8")
    text = source.replace(
        "{id: p1, unit: Phường 1}", '{id: p1, unit: Phường 1, name: "<b>P1</b> & <i>x</i>"}'
    )
    assert text != source
    plan = load_plan_text(text, "dong-ha.yaml", CONFIG)
    matrix = build_matrix(plan, Evidence(), date(2018, 6, 12))
    write_pages(plan, matrix, tmp_path, [TEMPLATES], WRITTEN_AT)
    for page in (tmp_path / PAGE, tmp_path / "p1" / PAGE):
        html = page.read_text(encoding="utf-8")
        assert "<b>P1" not in html and "<i>x" not in html
        assert "&lt;b&gt;P1&lt;/b&gt; &amp; &lt;i&gt;x&lt;/i&gt;" in html
        assert "<b>P1</b> & <i>x</i>" in "".join(parse(page).text)


def test_rejected_file_names_are_shown_as_text(dong_ha_campaign: Campaign) -> None:  # noqa: F811
    from tests.test_documents import HOSTILE_NAME

    worked = dong_ha_campaign
    service.status_page(worked.plan, worked.root / "state", worked.outbox, worked.as_of)
    html = (worked.outbox / "p3" / PAGE).read_text(encoding="utf-8")
    assert HOSTILE_NAME not in html
    assert "p3 &amp; &lt;b&gt; {{ x }}.xlsx" in html


# --- a plan too big to show site by site -------------------------------------------------------


@pytest.mark.parametrize("flat", [False, True], ids=["by-district", "flat"])
def test_a_big_plan_gets_summaries_and_a_page_per_unit(
    tmp_path: Path, flat: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_report_size import plan_text

    if flat:  # small shares: the pages are written by worker processes, as for 10,000 sites
        monkeypatch.setattr(page_module, "SHARE", 5)

    plan = load_plan_text(plan_text(flat), "vung.yaml", Path("."))
    assert len(plan.sites) == 240
    day = date(2027, 11, 27)
    matrix = build_matrix(plan, Evidence(), day)
    (tmp_path / "xa-007").mkdir()
    (tmp_path / "xa-007" / "cong-van-2027-11-27.docx").write_bytes(b"letter")
    unknown = tmp_path / "khong-ro-don-vi"
    unknown.mkdir()
    for n in range(1, page_module.LISTED + 11):  # more feedback than the page lists
        day = date(2027, 1, 1) + timedelta(days=n)
        (unknown / f"phan-hoi-{day}-{n}-tep.docx").write_bytes(b"feedback")
    written = write_pages(plan, matrix, tmp_path, [TEMPLATES], WRITTEN_AT)
    assert written.sites == 240
    assert written.changed == len(written.pages) == 240 + written.groups + 1
    assert sorted(written.pages) == sorted(tmp_path.rglob("*.html"))
    index = tmp_path / PAGE
    parsed = parse(index)
    text = "".join(parsed.text)
    assert "Tình hình gửi báo cáo theo mốc" in parsed.headings
    assert "Xã Số 001" not in text and not parsed.matrix  # no row per site
    assert index.stat().st_size < 200_000
    assert_links_resolve(index, parsed.hrefs)
    groups = sorted((tmp_path / GROUPS_FOLDER).iterdir())
    assert written.groups == len(groups) == (3 if flat else 12)
    reached = set()
    for group in groups:
        assert target(index, f"{GROUPS_FOLDER}/{group.name}") in {
            target(index, h) for h in parsed.hrefs
        }
        inner = parse(group)
        assert_links_resolve(group, inner.hrefs)
        reached |= {target(group, h) for h in inner.hrefs}
        assert all(state == "overdue" for row in inner.matrix for state in row)
    assert {(tmp_path / safe_name(s.id) / PAGE).resolve() for s in plan.sites} <= reached
    assert f"Còn 10 phiếu cũ hơn trong thư mục {unknown.name}." in text
    newest = date(2027, 1, 1) + timedelta(days=page_module.LISTED + 10)
    assert f"khong-ro-don-vi/phan-hoi-{newest}-{page_module.LISTED + 10}-tep.docx" in parsed.hrefs
    assert "khong-ro-don-vi/phan-hoi-2027-01-02-1-tep.docx" not in parsed.hrefs
    if not flat:
        assert "Huyện Châu Thành (Tỉnh Một)" in text
        assert (tmp_path / GROUPS_FOLDER / "huyen-chau-thanh-tinh-mot.html").is_file()
    site = tmp_path / "xa-007" / PAGE
    inner = parse(site)
    assert_links_resolve(site, inner.hrefs)
    assert "cong-van-2027-11-27.docx" in inner.hrefs


def test_a_stale_temporary_page_is_swept(tmp_path: Path) -> None:
    stale = tmp_path / f".{PAGE}.0123456789ab.tmp"
    stale.write_text("half a page")
    os.utime(stale, (time.time() - 3600,) * 2)
    sweep(tmp_path)
    assert not stale.exists()


def test_report_and_remind_write_the_pages(tmp_path: Path) -> None:
    places = ["--plan", str(CONFIG / "dong-ha-2018.yaml"), "--state", str(tmp_path / "state")]
    outbox = ["--outbox", str(tmp_path / "outbox"), "--no-pdf", "--as-of", "2018-06-11"]
    runner = CliRunner()
    reminded = runner.invoke(app, ["remind", *places, *outbox])
    assert reminded.exit_code == 0, reminded.output
    index = tmp_path / "outbox" / PAGE
    assert f"Trang tình hình: {index}" in reminded.stdout
    assert "cong-van-2018-06-11.docx" in (tmp_path / "outbox" / "p1" / PAGE).read_text()
    reported = runner.invoke(app, ["report", *places, *outbox])
    assert reported.exit_code == 0, reported.output
    assert "tong-hop/tong-hop-2018-06-11.docx" in index.read_text(encoding="utf-8")


def test_a_broken_page_template_is_named_and_the_documents_stand(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates, ignore=shutil.ignore_patterns("*.j2", "*.py"))
    (templates / "status-site.html.j2").write_text("{% extends 'status-base.html.j2' %}{% if %}")
    places = ["--plan", str(CONFIG / "dong-ha-2018.yaml"), "--state", str(tmp_path / "state")]
    outbox = tmp_path / "outbox"
    result = CliRunner().invoke(
        app,
        ["remind", *places, "--outbox", str(outbox), "--no-pdf", "--as-of", "2018-06-11",
         "--templates", str(templates)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Lưu ý: Mẫu trang tình hình" in result.stderr
    assert "status-site.html.j2, dòng 1 không dùng được" in result.stderr
    assert "Traceback" not in result.output
    assert (outbox / "p1" / "cong-van-2018-06-11.docx").is_file()


def test_a_page_that_cannot_be_written_leaves_the_command_done(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    (outbox / "p1").mkdir(parents=True)
    (outbox / PAGE).mkdir()  # the page's name is taken by a folder
    places = ["--plan", str(CONFIG / "dong-ha-2018.yaml"), "--state", str(tmp_path / "state")]
    result = CliRunner().invoke(
        app, ["remind", *places, "--outbox", str(outbox), "--no-pdf", "--as-of", "2018-06-11"]
    )
    assert result.exit_code == 0, result.output
    assert "Không ghi được trang tình hình" in result.stderr
    assert (outbox / "p1" / "cong-van-2018-06-11.docx").is_file()


# --- in a real browser -------------------------------------------------------------------------


def chromium() -> str:
    """The browser; CI (MOHINH_REQUIRE_CHROMIUM=1) fails rather than skip without it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("MOHINH_REQUIRE_CHROMIUM"):
            pytest.fail("Chromium is required here but chromium is not on PATH")
        pytest.skip("Chromium is not installed")
    return found


def browse(page: Path, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", *arguments, page.as_uri(),
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def distinct_colours(png: Path) -> int:
    """How many colours a screenshot has (a blank page has one)."""
    from matplotlib.image import imread

    pixels = imread(str(png))
    flat = (pixels[..., :3] * 255).astype("uint8").reshape(-1, 3)
    return len({tuple(p) for p in flat[:: max(1, len(flat) // 200_000)]})


@pytest.mark.slow
def test_the_pages_in_chromium(pages: Campaign, tmp_path: Path) -> None:
    outbox = pages.outbox
    site = outbox / safe_name(pages.plan.sites[0].id) / PAGE
    for page in (outbox / PAGE, site):
        shot = tmp_path / f"{page.parent.name}.png"
        taken = browse(
            page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,1600"
        )
        assert shot.is_file(), taken.stderr
        assert shot.read_bytes().startswith(PNG)
        assert shot.stat().st_size > 20_000
        assert distinct_colours(shot) > 50  # text, the matrix's colours, the chart
        dom = browse(page, tmp_path / "profile", "--dump-dom")
        assert dom.returncode == 0, dom.stderr
        parsed = Parsed(dom.stdout)
        assert parsed.headings, dom.stdout[:500]
        assert parsed.hrefs
        assert_links_resolve(page, parsed.hrefs)
        assert sorted(parsed.hrefs) == sorted(parse(page).hrefs)

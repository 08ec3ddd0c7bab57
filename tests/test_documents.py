"""Documents end to end on both shipped plans: golden texts, the template contract, the outbox
layout and manifest, once-only reminders, hostile text, and LibreOffice opening every kind.

Golden files live in tests/golden/<plan id>/; after a deliberate change run
``pytest tests/test_documents.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import docx
import openpyxl
import pytest

from flows.documents import service
from flows.documents.letterhead import place_date
from flows.documents.pdf import convert
from flows.documents.render import CompiledTemplate
from flows.documents.report import CHART_IMAGE
from flows.documents.service import TEMPLATE_FILES, TEMPLATES
from flows.intake.engine import run_intake
from flows.plan import Plan, load_plan
from tests import campaigns
from tests import intake_files as build
from tests.campaigns import BAD_CHOICE, HOSTILE, HOSTILE_NAME, INSTANT, NO_PDF, Campaign
from tests.conftest import CONFIG, ROOT, SHIPPED_PLANS
from tests.test_printing import assert_only_total_formulas

GOLDEN = Path(__file__).resolve().parent / "golden"
UMASK = os.umask(0o022)
os.umask(UMASK)


def docx_text(path: Path) -> str:
    """A document's text in reading order: header, paragraphs, tables as ' | ' rows."""
    document = docx.Document(str(path))
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            for row in block.rows:
                lines.append(" | ".join(cell.text.replace("\n", " / ") for cell in row.cells))
        else:
            lines.append(block.text)
    return "\n".join(lines).strip() + "\n"


def check_golden(text: str, name: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden text {path}: run pytest --update-golden"
    assert text == path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hai_duong_campaign(tmp_path_factory: pytest.TempPathFactory, hai_duong: Plan) -> Campaign:
    return campaigns.hai_duong_campaign(hai_duong, tmp_path_factory.mktemp("hai-duong"))


@pytest.fixture(scope="module")
def dong_ha_campaign(tmp_path_factory: pytest.TempPathFactory, dong_ha: Plan) -> Campaign:
    return campaigns.dong_ha_campaign(dong_ha, tmp_path_factory.mktemp("dong-ha"))


CAMPAIGNS = ["hai_duong_campaign", "dong_ha_campaign"]


@pytest.fixture(params=CAMPAIGNS)
def campaign(request: pytest.FixtureRequest) -> Campaign:
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


def written(run: service.DocumentRun, kind: str) -> list[Path]:
    return [Path(w.path) for w in run.written if w.kind == kind]


# --- golden texts ---------------------------------------------------------------------------


def test_golden_reminder(campaign: Campaign, update_golden: bool) -> None:
    letters = written(campaign.remind, "reminder")
    assert letters
    first = sorted(letters)[0]
    text = docx_text(campaign.outbox / first)
    check_golden(text, f"{campaign.plan.campaign.id}/reminder-{first.parent}.txt", update_golden)


def test_golden_feedback(campaign: Campaign, update_golden: bool) -> None:
    sheets = sorted(p for run in campaign.feedback for p in written(run, "feedback"))
    assert sheets
    rejected = [p for p in sheets if "bị trả lại" in docx_text(campaign.outbox / p)]
    assert rejected, "no feedback on a rejected file"
    text = docx_text(campaign.outbox / rejected[0])
    check_golden(text, f"{campaign.plan.campaign.id}/feedback.txt", update_golden)


def test_golden_report(campaign: Campaign, update_golden: bool) -> None:
    (report,) = written(campaign.report, "report")
    text = docx_text(campaign.outbox / report)
    check_golden(text, f"{campaign.plan.campaign.id}/report.txt", update_golden)


# --- what every document must have ------------------------------------------------------------


def test_letterhead_and_dates(campaign: Campaign) -> None:
    plan = campaign.plan
    documents = [w for run in [campaign.remind, campaign.report] for w in run.written]
    for item in documents:
        if not item.path.endswith(".docx"):
            continue
        text = docx_text(campaign.outbox / item.path)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
        assert "Độc lập - Tự do - Hạnh phúc" in text
        assert plan.issuer.name.upper() in text
        assert place_date(plan.issuer.place, campaign.as_of) in text
        assert f"/{plan.issuer.documents[item.kind].symbol}" in text  # type: ignore[index]
        assert "Nơi nhận:" in text
        assert plan.issuer.signer.authority.upper() in text


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2017, 9, 5), "Hải Dương, ngày 05 tháng 9 năm 2017"),
        (date(2017, 1, 20), "Hải Dương, ngày 20 tháng 01 năm 2017"),
        (date(2017, 2, 3), "Hải Dương, ngày 03 tháng 02 năm 2017"),
        (date(2017, 12, 31), "Hải Dương, ngày 31 tháng 12 năm 2017"),
    ],
)
def test_place_date(day: date, expected: str) -> None:
    assert place_date("Hải Dương", day) == expected


def test_page_numbers_from_page_two() -> None:
    for name in TEMPLATE_FILES.values():
        document = docx.Document(str(TEMPLATES / name))
        section = document.sections[0]
        assert section.different_first_page_header_footer, name
        assert "PAGE" in section.header._element.xml, name
        assert "PAGE" not in section.first_page_header._element.xml, name
        assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


# --- the template contract --------------------------------------------------------------------


def test_every_template_variable_is_provided(campaign: Campaign) -> None:
    """A template edited in Word that uses a variable the code does not give fails here."""
    from flows.documents.feedback import feedback_context
    from flows.documents.letters import build_letters
    from flows.documents.report import Report
    from flows.documents.status import Evidence, build_matrix, reminders_due

    plan, day = campaign.plan, campaign.as_of
    matrix = build_matrix(plan, Evidence(), day)
    letter = build_letters(plan, matrix, reminders_due(plan, matrix, set()))[0]
    with service.open_ledger(plan, campaign.root / "state", None) as ledger:
        row, _ = ledger.files_with_status("rejected")[0]
    contexts = {
        "reminder": letter.context,
        "feedback": feedback_context(plan, row, day, None, day),
        "report": Report(plan, matrix).context(),
    }
    for kind, context in contexts.items():
        template = CompiledTemplate(TEMPLATES / TEMPLATE_FILES[kind])  # type: ignore[index]
        assert template.variables <= context.keys(), (kind, template.variables - context.keys())


def test_a_template_edited_with_an_unknown_variable_fails_clearly(tmp_path: Path) -> None:
    copy = tmp_path / "reminder.docx"
    with (
        zipfile.ZipFile(TEMPLATES / "reminder.docx") as source,
        zipfile.ZipFile(copy, "w") as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                data = data.replace(b"{{ site_name }}", b"{{ ten_xa_moi }}", 1)
                assert b"ten_xa_moi" in data, "the reminder template shows no site_name"
            target.writestr(info, data)
    template = CompiledTemplate(copy)
    assert "ten_xa_moi" in template.variables
    from flows.documents.render import TemplateProblem

    with pytest.raises(TemplateProblem, match="ten_xa_moi"):
        template.render({v: "" for v in template.variables - {"ten_xa_moi"}})


# --- outbox layout, manifest, once-only -------------------------------------------------------


def test_outbox_layout_and_manifest(campaign: Campaign) -> None:
    site_folders = {s.id for s in campaign.plan.sites} | {"khong-ro-don-vi"}
    for run in [campaign.remind, campaign.report, *campaign.feedback]:
        for item in run.written:
            assert item.path.isascii(), item.path
            assert (campaign.outbox / item.path).is_file()
            mode = (campaign.outbox / item.path).stat().st_mode & 0o777
            assert mode == 0o666 & ~UMASK, (item.path, oct(mode))  # not private like mkstemp
            folder = Path(item.path).parts[0]
            if item.kind in ("reminder", "feedback", "marked-workbook", "form"):
                assert folder in site_folders
                if item.site:
                    assert folder == item.site
            else:
                assert folder == "tong-hop"
        if run.written:
            assert run.manifest is not None
            manifest = json.loads(run.manifest.read_text(encoding="utf-8"))
            assert [f["path"] for f in manifest["files"]] == [w.path for w in run.written]
    leftovers = [p for p in campaign.outbox.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


def test_each_letter_has_the_blank_forms_it_asks_for_beside_it(campaign: Campaign) -> None:
    from flows.marker import from_custom_properties

    letters = [w for w in campaign.remind.written if w.kind == "reminder"]
    forms = {w.path: w for w in campaign.remind.written if w.kind == "form"}
    assert letters and len(forms) >= len(letters)
    for letter in letters:
        text = docx_text(campaign.outbox / letter.path)
        for milestone in (letter.milestone or "").split(","):
            name = f"bieu-mau-{milestone}-{letter.site}.xlsx"
            assert name in text
            form = forms[str(Path(letter.path).parent / name)]
            marker = from_custom_properties(campaign.outbox / form.path)
            assert marker is not None
            assert (marker.site, marker.milestone) == (letter.site, milestone)


def test_reminders_once_a_day_unless_forced(campaign: Campaign) -> None:
    plan, state, outbox = campaign.plan, campaign.root / "state", campaign.outbox
    assert campaign.remind.written
    again = service.remind(plan, state, outbox, campaign.as_of, NO_PDF)
    assert again.written == [] and again.manifest is None
    forced = service.remind(plan, state, outbox, campaign.as_of, NO_PDF, force=True)
    assert [w.path for w in forced.written] == [w.path for w in campaign.remind.written]


def test_feedback_once_per_file(campaign: Campaign) -> None:
    plan, root = campaign.plan, campaign.root
    again = service.feedback(plan, root / "inbox", root / "state", root / "outbox", date.today())
    assert again.written == []
    with service.open_ledger(plan, root / "state", None) as ledger:
        files = ledger.files_with_status("rejected", "accepted", "duplicate")
        keys = {d.key for d in ledger.documents("feedback")}
    owed = {f"feedback:{row.id}" for row, _ in files if row.status == "rejected" or row.issues}
    assert owed == keys


def test_marked_workbook_marks_the_bad_cell(dong_ha_campaign: Campaign) -> None:
    marked = [p for run in dong_ha_campaign.feedback for p in written(run, "marked-workbook")]
    assert marked
    book = openpyxl.load_workbook(dong_ha_campaign.outbox / marked[0])
    assert book.sheetnames[0] == "Danh sách lỗi"
    data = book[book.sheetnames[1]]
    assert data["B3"].value == BAD_CHOICE and data["B3"].data_type == "s"
    assert data["B3"].comment is not None
    listing = [c for row in book["Danh sách lỗi"].iter_rows() for c in row]
    assert BAD_CHOICE in [c.value for c in listing]
    assert all(c.data_type != "f" for c in listing)


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=\.)\s+", " ".join(text.split()))


def test_the_letter_and_the_marked_copy_give_one_instruction(campaign: Campaign) -> None:
    """Whether the file was taken, where to correct it and what to send back: the note above
    the marked copy's list of issues says it in the feedback letter's words, naming the copy."""
    marked = [p for run in campaign.feedback for p in written(run, "marked-workbook")]
    assert marked
    for path in marked:
        letter = docx.Document(str((campaign.outbox / path).with_suffix(".docx")))
        said = sentences(" ".join(p.text for p in letter.paragraphs))
        issues = openpyxl.load_workbook(campaign.outbox / path).worksheets[0]
        header = next(r for r in range(1, 10) if issues.cell(r, 1).value == "STT")
        note = sentences(" ".join(str(issues.cell(r, 1).value or "") for r in range(1, header)))
        resend = [s for s in said if "gửi lại" in s]
        assert resend and resend == [s for s in note if "gửi lại" in s], path
        assert f"“{path.name}”" in " ".join(resend), path
        taken = [s for s in note if "tiếp nhận" in s]
        assert taken and set(taken) <= set(said), path


def test_a_letter_without_a_marked_copy_speaks_of_none(campaign: Campaign) -> None:
    """A file that could not be read or marked (encrypted, a duplicate, a late file) gets a
    letter that sends the sender to their own file only."""
    alone = []
    for run in campaign.feedback:
        marked = {p.with_suffix("") for p in written(run, "marked-workbook")}
        alone += [p for p in written(run, "feedback") if p.with_suffix("") not in marked]
    assert alone
    for letter in alone:
        text = docx_text(campaign.outbox / letter)
        assert "bản sao" not in text and "đánh dấu" not in text, letter


def test_a_marked_copy_corrected_and_sent_back_is_taken(
    dong_ha_campaign: Campaign, tmp_path: Path
) -> None:
    """What the instruction asks: the bad cell corrected in the marked copy, the copy saved
    and sent back with its marks, and the intake takes it for the right ward."""
    root = tmp_path / "campaign"
    shutil.copytree(dong_ha_campaign.root, root)
    (path,) = [p for run in dong_ha_campaign.feedback for p in written(run, "marked-workbook")]
    book = openpyxl.load_workbook(root / "outbox" / path)
    data = book.worksheets[1]
    assert data["B3"].value == BAD_CHOICE
    data["B3"] = "Tổ chức hội nghị"
    book.save(root / "inbox" / path.name)
    plan = dong_ha_campaign.plan
    (outcome,) = run_intake(plan, root / "inbox", root / "state", date(2018, 6, 13), INSTANT)
    assert (outcome.status, outcome.sites, [i.code for i in outcome.issues]) == (
        "accepted",
        ["p3"],
        ["late"],
    )


def test_hostile_text_is_literal_in_the_feedback(dong_ha_campaign: Campaign) -> None:
    sheets = [p for run in dong_ha_campaign.feedback for p in written(run, "feedback")]
    texts = [docx_text(dong_ha_campaign.outbox / p) for p in sheets]
    text = next(t for t in texts if HOSTILE_NAME in t)
    assert BAD_CHOICE in text


# --- hostile text -----------------------------------------------------------------------------


def test_hostile_text_is_literal_in_the_report(dong_ha_campaign: Campaign) -> None:
    (report,) = written(dong_ha_campaign.report, "report")
    text = docx_text(dong_ha_campaign.outbox / report)
    assert HOSTILE in text
    (workbook,) = written(dong_ha_campaign.report, "report-workbook")
    book = openpyxl.load_workbook(dong_ha_campaign.outbox / workbook)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert any(c.value == HOSTILE for c in cells)
    assert_only_total_formulas(book)  # the sums of the totals, nothing a ward wrote


def test_report_has_the_chart(campaign: Campaign) -> None:
    (report,) = written(campaign.report, "report")
    (chart,) = written(campaign.report, "chart")
    with zipfile.ZipFile(campaign.outbox / report) as package:
        assert package.read(CHART_IMAGE) == (campaign.outbox / chart).read_bytes()
    assert (campaign.outbox / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- LibreOffice opens every kind -------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice")
def test_libreoffice_converts_every_kind(campaign: Campaign, tmp_path: Path) -> None:
    kinds = {}
    for run in [campaign.remind, campaign.report, *campaign.feedback]:
        for item in run.written:
            if item.path.endswith(".docx"):
                kinds.setdefault(item.kind, campaign.outbox / item.path)
    assert set(kinds) == {"reminder", "feedback", "report"}
    copies = []
    for kind, path in kinds.items():
        copy = tmp_path / kind / "van-ban.docx"  # one name in three folders: one soffice run
        copy.parent.mkdir()
        shutil.copy(path, copy)
        copies.append(copy)
    converted, problems = convert(copies)
    assert problems == []
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["feedback", "reminder", "report", *["van-ban.docx", "van-ban.pdf"] * 3]
    )
    for copy in copies:
        pdf = converted[copy].read_bytes()
        assert pdf.startswith(b"%PDF") and b"/Type /Page" in pdf.replace(
            b"/Type/Page", b"/Type /Page"
        )


@pytest.mark.slow
@pytest.mark.usefixtures("libreoffice")
def test_pdfs_a_killed_run_owed_are_made_by_the_next_run(
    dong_ha: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that dies after recording its letters, before LibreOffice ran, leaves .docx
    without PDF copies; the next run that makes PDFs makes theirs. Letters written with
    ``--no-pdf`` are left as they are."""
    from flows.documents.outbox import Outbox

    state, outbox, day = tmp_path / "state", tmp_path / "outbox", date(2018, 6, 11)
    with_pdf = service.DocumentOptions(pdf=True)

    def dies(_outbox: Outbox, _owed: object = ()) -> None:
        raise KeyboardInterrupt  # the process is killed here

    with monkeypatch.context() as patch:
        patch.setattr(Outbox, "make_pdfs", dies)
        with pytest.raises(KeyboardInterrupt):
            service.remind(dong_ha, state, outbox, day, with_pdf)
    letters = sorted(str(p.relative_to(outbox)) for p in outbox.rglob("cong-van-*.docx"))
    assert len(letters) == 9 and not list(outbox.rglob("*.pdf"))
    run = service.remind(dong_ha, state, outbox, day, with_pdf)  # no letter is sent twice
    assert run.problems == []
    assert sorted((w.kind, w.path) for w in run.written) == sorted(
        ("pdf", p.replace(".docx", ".pdf")) for p in letters
    )
    for letter in letters:
        assert (outbox / letter).with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    run = service.report(dong_ha, state, outbox, day, with_pdf)
    assert [w for w in run.written if w.kind == "pdf"] == []
    report = next(w for w in run.written if w.kind == "report")
    assert report.pdf is not None and (outbox / report.pdf).is_file()

    plain = tmp_path / "plain"
    without = service.DocumentOptions(pdf=False)
    service.remind(dong_ha, plain / "state", plain / "outbox", day, without)
    run = service.report(dong_ha, plain / "state", plain / "outbox", day, with_pdf)
    assert [w for w in run.written if w.kind == "pdf"] == []
    assert [p.name for p in (plain / "outbox").rglob("*.pdf")] == ["tong-hop-2018-06-11.pdf"]


def test_shipped_plans_are_the_ones_tested() -> None:
    """Every plan committed in config/ is in SHIPPED_PLANS; a draft saved there is not."""
    assert {load_plan(p).campaign.id for p in SHIPPED_PLANS} == {
        "hai-duong-2017-nhan-rong-mo-hinh",
        "dong-ha-2018-so-ket-cvd",
    }
    try:
        listed = subprocess.run(
            ["git", "ls-files", "config/*.yaml"], cwd=ROOT, capture_output=True, text=True
        )
    except FileNotFoundError:
        pytest.skip("git is not installed")
    if listed.returncode != 0:
        pytest.skip("not a git checkout")
    assert sorted(listed.stdout.split()) == sorted(
        p.relative_to(ROOT).as_posix() for p in SHIPPED_PLANS
    )


def test_a_second_letter_the_same_day_does_not_overwrite_the_first(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from flows.documents.letters import letter_path
    from flows.documents.outbox import Outbox

    outbox = Outbox(tmp_path, "remind", date(2017, 9, 5), datetime.now(UTC))
    day = date(2017, 9, 5)
    first = letter_path(outbox, "p1", day, False, set())
    outbox.write(first, b"one", "reminder")
    assert first == "p1/cong-van-2017-09-05.docx"
    # Left by a run that died before the ledger knew it: replaced, not doubled.
    assert letter_path(outbox, "p1", day, False, set()) == first
    assert letter_path(outbox, "p1", day, False, {first}).endswith("-2.docx")
    assert letter_path(outbox, "p1", day, True, {first}) == first


def test_an_unusable_outbox_is_refused_in_vietnamese(tmp_path: Path, dong_ha: Plan) -> None:
    from flows.documents.outbox import OutboxError

    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(OutboxError, match="Không dùng được thư mục văn bản"):
        service.remind(dong_ha, tmp_path / "state", afile, date(2018, 6, 12), NO_PDF)
    inbox = tmp_path / "inbox"
    with pytest.raises(OutboxError, match="lồng nhau"):
        service.feedback(dong_ha, inbox, tmp_path / "state", inbox / "out", date(2018, 6, 12))


def test_the_cli_refuses_an_outbox_inside_the_inbox_before_taking_anything(
    tmp_path: Path,
) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build.write_xlsx(inbox / "p1.xlsx", [["x"]])
    plan = str(CONFIG / "dong-ha-2018.yaml")
    places = ["--inbox", str(inbox), "--state", str(tmp_path / "state")]
    arguments = ["intake", "--plan", plan, *places, "--outbox", str(inbox / "outbox")]
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 1
    assert "lồng nhau" in result.output
    assert [p.name for p in inbox.iterdir()] == ["p1.xlsx"]


def test_what_a_killed_run_left_is_swept(tmp_path: Path) -> None:
    from flows.documents.outbox import sweep

    stale = tmp_path / "p1" / ".pdf-abc" / "in"
    stale.mkdir(parents=True)
    (stale / "000000.docx").write_bytes(b"x")
    temporary = tmp_path / "p1" / ".cong-van.docx.0a1b.tmp"
    temporary.write_bytes(b"x")
    fresh = tmp_path / "p1" / ".pdf-now"
    fresh.mkdir()
    old = 1_500_000_000
    for path in (stale.parent, temporary):
        os.utime(path, (old, old))
    sweep(tmp_path)
    assert sorted(p.name for p in (tmp_path / "p1").iterdir()) == [".pdf-now"]


def test_the_final_letter_says_already_urged_only_when_it_was(
    dong_ha_campaign: Campaign, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    shutil.copytree(dong_ha_campaign.root / "state", state)
    plan = dong_ha_campaign.plan
    final = service.remind(plan, state, tmp_path / "outbox", date(2018, 6, 15), NO_PDF)
    letters = [docx_text(tmp_path / "outbox" / p) for p in written(final, "reminder")]
    assert letters and all("lần đôn đốc cuối cùng" in text for text in letters)
    assert all(f"mặc dù {plan.issuer.in_text} đã đôn đốc" in text for text in letters)
    fresh = service.remind(plan, tmp_path / "other", tmp_path / "o2", date(2018, 6, 15), NO_PDF)
    texts = [docx_text(tmp_path / "o2" / p) for p in written(fresh, "reminder")]
    assert texts and not any("đã đôn đốc" in text for text in texts)

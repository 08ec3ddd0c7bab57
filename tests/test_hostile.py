"""Files that used to hang, crash or mislead intake (issue 12): each built here, each ends
as its own outcome with a Vietnamese message, and the rest of the batch is taken in the same run.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

from flows.intake import inbox as drop
from flows.intake.csvfile import sniff_delimiter
from flows.intake.engine import FileOutcome, IntakeOptions, exclusive, run_intake
from flows.plan import Plan, load_plan
from tests import intake_files as build
from tests.conftest import CONFIG
from tests.test_intake import ON_TIME, aged, dropped, kept, take

HAI_DUONG = load_plan(CONFIG / "plan.yaml")
MAIN = build._NS_MAIN
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"


def _with_good(root: Path, name: str, data: bytes) -> tuple[FileOutcome, FileOutcome]:
    """Drop ``data`` as ``name`` beside a clean registration; both outcomes of one run."""
    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    aged(build.write_registration(inbox / "zz good.xlsx"))
    (inbox / name).write_bytes(data)
    aged(inbox / name)
    return by_name(take_hd(root), name)


def take_hd(root: Path) -> list[FileOutcome]:
    return take(HAI_DUONG, root)


def by_name(outcomes: list[FileOutcome], name: str) -> tuple[FileOutcome, FileOutcome]:
    (bad,) = [o for o in outcomes if o.file == name]
    (good,) = [o for o in outcomes if o.file == "zz good.xlsx"]
    return bad, good


def _xlsx(sheet_xml: str, parts: dict[str, str | bytes] | None = None) -> bytes:
    """A minimal hand-written .xlsx with one worksheet, as bytes."""
    path_parts: dict[str, str | bytes] = dict(build._package())
    path_parts["xl/worksheets/sheet1.xml"] = sheet_xml
    path_parts.update(parts or {})
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in path_parts.items():
            zf.writestr(name, content)
    return data.getvalue()


CORNER = (
    f'{build._XML_HEAD}<worksheet xmlns="{{ns}}"><sheetData>'
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Huyện</t></is></c></row>'
    '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    "</sheetData></worksheet>"
)


# --- 1. a CSV that made csv.Sniffer run for minutes ----------------------------------------


def test_quote_storm_csv_is_answered_and_the_batch_goes_on(tmp_path: Path) -> None:
    data = b',"a' * 40_000 + b"\n"
    engine_time = time.process_time()
    bad, good = _with_good(tmp_path, "bao cao.csv", data)
    # csv.Sniffer in the engine process spent 28 s of its CPU here, reading now happens apart
    assert time.process_time() - engine_time < 10
    assert bad.status == "rejected" and bad.issues[0].code == "corrupt_file"
    assert "dòng 1" in bad.issues[0].message
    assert good.status == "accepted"
    assert kept(tmp_path, bad, data)


def test_delimiter_sniffing_is_linear_on_the_crafted_line() -> None:
    started = time.process_time()
    assert sniff_delimiter(',"a' * 40_000) == ","
    assert time.process_time() - started < 5  # csv.Sniffer took minutes here


def test_a_huge_csv_cell_is_not_called_an_unclosed_quote(tmp_path: Path) -> None:
    data = ("Huyện,Ghi chú\r\nHuyện Cẩm Giàng," + "x" * 200_000 + "\r\n").encode()
    bad, good = _with_good(tmp_path, "dai.csv", data)
    (issue,) = bad.issues
    assert (issue.code, issue.row) == ("too_large", 2)
    assert "ngoặc kép" not in issue.message and "dài hơn" in issue.message
    assert good.status == "accepted"


# --- 2. preflight: unclosed tags made a regular expression quadratic -----------------------


def test_sixty_thousand_unclosed_cells_end_quickly_as_damaged(tmp_path: Path) -> None:
    sheet = f'{build._XML_HEAD}<worksheet xmlns="{MAIN}"><sheetData><row r="1">' + "<c>" * 60_000
    data = _xlsx(sheet)
    assert len(data) < 4_000
    started = time.monotonic()
    bad, good = _with_good(tmp_path, "mo.xlsx", data)
    assert time.monotonic() - started < 30  # 84 s in the regular expression before
    assert bad.status == "rejected" and bad.issues[0].code == "corrupt_file"
    assert bad.issues[0].value is None  # no parser English shown to the sender
    assert good.status == "accepted"


# --- 4. a file the engine may not read ----------------------------------------------------


def test_an_unreadable_file_is_rejected_and_the_valid_one_taken(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    aged(build.write_registration(inbox / "dk.xlsx"))
    locked = aged(build.write_registration(inbox / "khoa.xlsx", huyen="Huyện Gia Lộc"))
    locked.chmod(0)
    # root reads anything: run intake without the capabilities that let it
    drop_caps = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    prefix = drop_caps if os.geteuid() == 0 else []
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "flows", "intake", "--plan", str(CONFIG / "plan.yaml"),
         "--inbox", str(inbox), "--state", str(tmp_path / "state"), "--as-of", "2017-03-18",
         "--settle", "0", "--min-age", "0", "--json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    files = {f["file"]: f for f in json.loads(result.stdout)["files"]}
    assert files["dk.xlsx"]["status"] == "accepted"
    assert files["khoa.xlsx"]["status"] == "rejected"
    assert files["khoa.xlsx"]["issues"][0]["code"] == "unreadable"
    assert "quyền đọc" in files["khoa.xlsx"]["issues"][0]["message"]
    assert (inbox / "tra-lai" / "khoa.xlsx").exists()
    assert not any((inbox / ".mohinh").rglob("*.xlsx"))


# --- 5. the lock belongs to the inbox -----------------------------------------------------


def test_two_state_folders_on_one_inbox_take_turns(tmp_path: Path, hai_duong: Plan) -> None:
    dropped(tmp_path, "dk.xlsx", build.write_registration)
    inbox = tmp_path / "inbox"
    results: list[list[FileOutcome]] = []
    other = threading.Thread(
        target=lambda: results.append(
            run_intake(hai_duong, inbox, tmp_path / "state-b", ON_TIME, IntakeOptions(0, 0))
        )
    )
    with exclusive(tmp_path / "state-a", inbox):
        other.start()
        other.join(timeout=1.5)
        assert other.is_alive(), "an intake on another state folder ran into a held inbox"
        assert (inbox / "dk.xlsx").exists()
    other.join(timeout=60)
    ((outcome,),) = results
    assert outcome.status == "accepted"


# --- a file that stopped runs -------------------------------------------------------------


def _left_claimed(root: Path, name: str, attempts: int) -> Path:
    """A registration left claimed by a killed run that was judging it ``attempts`` times."""
    folder = root / "inbox" / drop.WORK_FOLDER / "20170318T000000-00000000"
    folder.mkdir(parents=True)
    claimed = build.write_registration(folder / name)
    (folder.parent / drop.JUDGING).write_text(f"{folder.name} {attempts}\n")
    return claimed


def test_a_file_that_stopped_one_run_is_judged_again(tmp_path: Path, hai_duong: Plan) -> None:
    _left_claimed(tmp_path, "dk.xlsx", 1)
    (outcome,) = take(hai_duong, tmp_path)
    assert outcome.status == "accepted"
    assert list((tmp_path / "inbox" / drop.WORK_FOLDER).iterdir()) == []


def test_a_file_that_stopped_two_runs_is_rejected_unread(tmp_path: Path, hai_duong: Plan) -> None:
    claimed = _left_claimed(tmp_path, "dk.xlsx", 2)
    data = claimed.read_bytes()
    dropped(tmp_path, "zz good.xlsx", build.write_registration)
    stuck, good = take(hai_duong, tmp_path)
    assert (stuck.file, stuck.status, stuck.issues[0].code) == (
        "dk.xlsx",
        "rejected",
        "engine_error",
    )
    assert "hai lần" in stuck.issues[0].message
    assert kept(tmp_path, stuck, data)
    assert good.status == "accepted"
    assert list((tmp_path / "inbox" / drop.WORK_FOLDER).iterdir()) == []


# --- 9. messages --------------------------------------------------------------------------


def test_a_password_protected_ods_is_called_encrypted(tmp_path: Path) -> None:
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:'
        'xmlns:manifest:1.0#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm '
        'manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
        'manifest:initialisation-vector="AAAA"/></manifest:encryption-data>'
        "</manifest:file-entry></manifest:manifest>"
    )
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest)
        zf.writestr("content.xml", os.urandom(2000))
    bad, good = _with_good(tmp_path, "mat khau.ods", data.getvalue())
    assert bad.issues[0].code == "encrypted"
    assert good.status == "accepted"


def test_a_pdf_renamed_xlsx_is_not_told_to_open_it_in_excel(tmp_path: Path) -> None:
    bad, _ = _with_good(tmp_path, "bao cao.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (issue,) = bad.issues
    assert issue.code == "not_a_spreadsheet" and "PDF" in issue.message
    assert "mở bằng Excel" not in issue.message


def test_a_waiting_file_says_why(tmp_path: Path, hai_duong: Plan) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build.write_registration(inbox / "moi.xlsx")  # written just now
    (outcome,) = take(hai_duong, tmp_path, min_age=600)
    assert outcome.status == "waiting"
    (issue,) = outcome.issues
    assert issue.code == "not_ready" and "600 giây" in issue.message


# --- 10. smaller holes --------------------------------------------------------------------


def _doctype_part(encoding: str) -> bytes:
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE sst [<!ENTITY a "b">]>'
        f'<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>'
    )
    return text.encode(encoding)


def test_doctype_in_a_utf16_part_is_refused(tmp_path: Path) -> None:
    sheet = (
        CORNER.replace("{ns}", MAIN)
        .replace('<row r="1048576">', "<row>")
        .replace("XFD1048576", "B1")
    )
    data = _xlsx(sheet, {"xl/theme/theme1.xml": _doctype_part("UTF-16")})
    bad, good = _with_good(tmp_path, "utf16.xlsx", data)
    assert bad.issues[0].code == "xml_entities"
    assert good.status == "accepted"


def test_doctype_after_a_long_comment_is_refused(tmp_path: Path) -> None:
    part = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!--' + "x" * 200_000 + "-->\n"
        '<!DOCTYPE sst [<!ENTITY a "b">]><sst/>'
    )
    data = _xlsx(CORNER.replace("{ns}", MAIN), {"xl/styles.xml": part})
    bad, _ = _with_good(tmp_path, "comment.xlsx", data)
    assert bad.issues[0].code == "xml_entities"


def test_sheet_limits_hold_for_strict_workbooks(tmp_path: Path) -> None:
    parts = dict(build._package())
    workbook = (
        parts["xl/workbook.xml"].replace(MAIN, STRICT_MAIN).replace(build._NS_REL, STRICT_REL)
    )
    data = _xlsx(CORNER.replace("{ns}", STRICT_MAIN), {"xl/workbook.xml": workbook})
    bad, good = _with_good(tmp_path, "strict.xlsx", data)
    assert (bad.issues[0].code, bad.issues[0].cell) == ("sheet_too_large", "XFD1048576")
    assert good.status == "accepted"


def test_sheet_limits_hold_for_dotted_sheet_paths(tmp_path: Path) -> None:
    parts = dict(build._package())
    rels = parts["xl/_rels/workbook.xml.rels"].replace(
        'Target="worksheets/sheet1.xml"', 'Target="./../xl/./worksheets/sheet1.xml"'
    )
    data = _xlsx(CORNER.replace("{ns}", MAIN), {"xl/_rels/workbook.xml.rels": rels})
    bad, _ = _with_good(tmp_path, "dots.xlsx", data)
    assert (bad.issues[0].code, bad.issues[0].cell) == ("sheet_too_large", "XFD1048576")


def test_a_hard_linked_submission_is_archived_as_its_own_copy(
    tmp_path: Path, hai_duong: Plan
) -> None:
    data = dropped(tmp_path, "dk.xlsx", build.write_registration)
    outside = tmp_path / "outside.xlsx"
    os.link(tmp_path / "inbox" / "dk.xlsx", outside)
    (outcome,) = take(hai_duong, tmp_path)
    assert outcome.status == "accepted"
    with outside.open("r+b") as stream:  # the sender edits their copy in place afterwards
        stream.write(b"changed")
    assert kept(tmp_path, outcome, data)

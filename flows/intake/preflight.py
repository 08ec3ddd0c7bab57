"""Looking at a file before any parser touches it, with the standard library only.

Decides what the file really is (by content, not by its name) and refuses what must not be
parsed: empty, renamed, truncated, encrypted, with macros, zip bombs, XML entity tricks and
sheets so large that a parser would exhaust memory. Also finds formula cells saved without a
value, so that validation can report them instead of trusting an empty cell.

Every look is linear in the file: XML is streamed through expat (no regular expression runs
over a sender's XML), and the whole of it runs in the parser process (``flows.intake.worker``)
under its time and memory limits.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Literal
from xml.etree import ElementTree
from xml.parsers import expat

from flows.intake.issues import Issue, cell_ref, error
from flows.intake.limits import DEFAULT_LIMITS, MB, Limits

Kind = Literal["xlsx", "xls", "ods", "csv"]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
HEAD_BYTES = 64 * 1024
CHUNK = 256 * 1024
FORMULA_CHARACTERS = 8192  # Excel's own limit for a formula
_MAX_COLUMN = 16384

FormulaCells = dict[tuple[str, int, int], str]


@dataclass
class Preflight:
    """What the file is, what stops it from being read, and formula cells without a value."""

    kind: Kind | None
    issues: list[Issue] = field(default_factory=list)
    formulas: FormulaCells = field(default_factory=dict)

    @property
    def readable(self) -> bool:
        """Whether the file may go on to a parser."""
        return self.kind is not None and not self.issues


def preflight_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Preflight:
    """Check ``path`` without parsing it as a spreadsheet."""
    suffix = path.suffix.casefold()
    size = path.stat().st_size
    if size == 0:
        return _refuse(
            "empty_file", "Tệp rỗng (0 byte): có thể tệp chưa chép xong hoặc lưu bị lỗi."
        )
    if size > limits.file_bytes:
        return _refuse(
            "too_large",
            f"Tệp nặng {size / MB:.0f} MB, quá giới hạn {limits.file_bytes // MB} MB "
            "cho một biểu mẫu.",
        )
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
        if head.startswith(ZIP_MAGIC):
            return _check_zip(stream, suffix, limits)
        if head.startswith(OLE_MAGIC):
            return _check_ole(stream, suffix)
    if suffix not in SPREADSHEET_SUFFIXES:
        return _refuse("unsupported_format", _unsupported(suffix))
    if suffix in (".csv", ".txt"):
        return Preflight("csv")
    return _refuse("not_a_spreadsheet", _renamed(suffix, head))


def _refuse(code: str, message: str, **where: object) -> Preflight:
    return Preflight(None, [error(code, message, **where)])


def _unsupported(suffix: str) -> str:
    shown = suffix or "(không có đuôi)"
    return (
        f"Tệp {shown} không phải bảng tính. Xin gửi bảng tính Excel (.xlsx, .xls), "
        "LibreOffice (.ods) hoặc .csv."
    )


def _renamed(suffix: str, head: bytes) -> str:
    lowered = head[:2048].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if head.startswith(b"%PDF"):
        return (
            f"Tệp là một tệp PDF (bản in hoặc bản chụp) nhưng có đuôi {suffix}, nên không "
            "đọc được số liệu. Xin gửi chính tệp bảng tính Excel (.xlsx) của biểu mẫu; bản PDF "
            "có chữ ký, đóng dấu thì gửi kèm theo hướng dẫn của cơ quan nhận."
        )
    if lowered.startswith((b"<!doctype html", b"<html", b"<table")):
        what = "Tệp là một trang web (HTML)"
    else:
        what = "Nội dung tệp không phải bảng tính"
    return (
        f"{what} nhưng có đuôi {suffix}. Xin mở bằng Excel rồi chọn Lưu thành (Save As) dạng "
        ".xlsx và gửi lại."
    )


# --- zip containers: xlsx, xlsm, ods ------------------------------------------------------


def _check_zip(stream: IO[bytes], suffix: str, limits: Limits) -> Preflight:
    """Any failure to read the container (bad CRC, bad deflate data, an unsupported zip
    feature, an encrypted member...) means a damaged file, whatever the library raises."""
    try:
        return _check_zip_parts(stream, suffix, limits)
    except Exception:  # stdlib code reading untrusted bytes: every failure is the file's
        return _refuse("corrupt_file", CORRUPT)


def _check_zip_parts(stream: IO[bytes], suffix: str, limits: Limits) -> Preflight:
    stream.seek(0)
    archive = zipfile.ZipFile(stream)
    infos = archive.infolist()
    with archive:
        names = {info.filename for info in infos}
        if "xl/workbook.xml" in names:
            kind: Kind = "xlsx"
        elif "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
            kind = "ods"
        else:
            return _refuse("not_a_spreadsheet", _other_zip(names, suffix))
        problem = _zip_bomb(infos, limits) or _macros(names)
        if not problem and kind == "ods" and _ods_encrypted(archive):  # its parts are not XML
            problem = error("encrypted", ENCRYPTED)
        problem = problem or _entities(archive, infos)
        if problem:
            return Preflight(None, [problem])
        if kind == "ods":
            return Preflight(kind)
        return _scan_xlsx(archive, limits)


def _ods_encrypted(archive: zipfile.ZipFile) -> bool:
    """An OpenDocument file saved with a password: its manifest lists encryption data."""
    try:
        info = archive.getinfo("META-INF/manifest.xml")
    except KeyError:
        return False
    with archive.open(info) as manifest:
        return b"encryption-data" in manifest.read(HEAD_BYTES * 16)


def _other_zip(names: set[str], suffix: str) -> str:
    if "word/document.xml" in names:
        return f"Tệp {suffix} này thật ra là văn bản Word, không phải bảng tính."
    return f"Tệp {suffix} này là một tệp nén (zip), không phải bảng tính."


def _zip_bomb(infos: list[zipfile.ZipInfo], limits: Limits) -> Issue | None:
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if len(infos) > limits.zip_entries or unpacked > limits.unpacked_bytes:
        return error(
            "too_large",
            f"Tệp giải nén ra {unpacked / MB:.0f} MB, quá giới hạn "
            f"{limits.unpacked_bytes // MB} MB: không phải một biểu mẫu bình thường.",
        )
    if unpacked > 10 * MB and unpacked / packed > limits.ratio:
        return error(
            "too_large",
            f"Tệp nén bất thường (giải nén to gấp {unpacked // packed} lần): "
            "không phải một biểu mẫu bình thường.",
        )
    return None


def _macros(names: set[str]) -> Issue | None:
    if any(PurePosixPath(n).name.casefold() == "vbaproject.bin" for n in names) or any(
        n.startswith("Basic/") and n.endswith(".xml") and "script-lc" not in n for n in names
    ):
        return error("macros", MACROS)
    return None


class _Refused(Exception):
    """Stops a scan: the file is refused with ``issue``."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.code)
        self.issue = issue


class _RootSeen(Exception):
    """Stops a prolog scan at the root element: no declaration can follow it."""


def _declarations(*_: object) -> None:
    raise _Refused(
        error(
            "xml_entities",
            "Tệp chứa khai báo XML bất thường (DOCTYPE/ENTITY) mà Excel không bao giờ tạo ra; "
            "vì an toàn, tệp không được mở.",
        )
    )


def _root(*_: object) -> None:
    raise _RootSeen


def _feed(parser: expat.XMLParserType, part: IO[bytes]) -> None:
    while chunk := part.read(CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _entities(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> Issue | None:
    """A DOCTYPE or ENTITY declaration in any XML part, in whatever encoding (UTF-16
    included) and after however long a comment: expat reads each prolog up to the root
    element, where declarations end."""
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        parser = expat.ParserCreate()
        parser.StartDoctypeDeclHandler = _declarations
        parser.EntityDeclHandler = _declarations
        parser.StartElementHandler = _root
        try:
            with archive.open(info) as part:
                _feed(parser, part)
        except _Refused as refused:
            return refused.issue
        except _RootSeen:
            continue
        except expat.ExpatError:
            return error("corrupt_file", CORRUPT)
    return None


def _scan_xlsx(archive: zipfile.ZipFile, limits: Limits) -> Preflight:
    result = Preflight("xlsx")
    parts = _worksheet_parts(archive)
    named = {member for _, member in parts}
    names = set(archive.namelist())
    strays = sorted(  # worksheets no relation names: still never too large for a parser
        n for n in names - named if n.startswith("xl/worksheets/") and n.endswith(".xml")
    )
    for name, member in [*parts, *(("", n) for n in strays)]:
        if member not in names:
            continue
        formulas = result.formulas if member in named else {}
        issue = _scan_sheet(archive, name, member, limits, formulas)
        if issue:
            return Preflight(None, [issue])
    return result


def _local(tag: str) -> str:
    """An element or attribute name without its namespace (Transitional or Strict)."""
    return tag.rpartition("}")[2]


def _worksheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip member) for every worksheet, from workbook.xml and its relations,
    in either namespace (Transitional or Strict), targets written with ``./`` or ``../``."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return []
    targets = {
        r.get("Id"): r.get("Target", "") for r in rels.iter() if _local(r.tag) == "Relationship"
    }
    parts = []
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k[:1] == "{" and _local(k) == "id"), None)
        target = targets.get(rid)
        if not target:
            continue
        if target.startswith("/"):
            member = posixpath.normpath(target).lstrip("/")
        else:
            member = posixpath.normpath(posixpath.join("xl", target))
        parts.append((sheet.get("name", ""), member))
    return parts


class _SheetScan:
    """Expat handlers over one worksheet: the extent of rows and cells, and formula cells
    saved without a value."""

    def __init__(self, name: str, limits: Limits, formulas: FormulaCells) -> None:
        self.name, self.limits, self.formulas = name, limits, formulas
        self.cell: tuple[int, int] | None = None
        self.formula: list[str] | None = None
        self.valued = False
        self.inside = ""
        self.kept = 0
        self.far_row = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(":")[2]
        if local == "row":
            number = attributes.get("r", "")
            if number.isdigit() and int(number) > self.limits.rows:
                self.far_row = int(number)  # refused at its end, unless a cell names its cell
        elif local == "c":
            self.cell = _cell_position(attributes.get("r", ""))
            self.formula, self.valued, self.inside, self.kept = None, False, "", 0
            if self.cell is not None:
                row, column = self.cell
                if row > self.limits.rows or column > self.limits.columns:
                    raise _Refused(too_large(self.name, row, column, self.limits))
        elif local in ("f", "v") and self.cell is not None:
            self.inside = local
            if local == "f":
                self.formula = []

    def text(self, data: str) -> None:
        if self.inside == "v" and data:
            self.valued = True
        elif self.inside == "f" and self.formula is not None and self.kept < FORMULA_CHARACTERS:
            self.formula.append(data)
            self.kept += len(data)

    def end(self, tag: str) -> None:
        local = tag.rpartition(":")[2]
        if local in ("f", "v"):
            self.inside = ""
        elif local == "row" and self.far_row:
            raise _Refused(too_large(self.name, self.far_row, None, self.limits))
        elif local == "c":
            if self.cell is not None and self.formula is not None and not self.valued:
                self.formulas[(self.name, *self.cell)] = "=" + "".join(self.formula)
            self.cell = None


def _cell_position(ref: str) -> tuple[int, int] | None:
    """(row, column) of a reference such as ``C7``; ``None`` when it is not one."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters) :]
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isupper() and digits):
        return None
    return int(digits), _column_number(letters.encode())


def _scan_sheet(
    archive: zipfile.ZipFile, name: str, member: str, limits: Limits, formulas: FormulaCells
) -> Issue | None:
    """Stream one worksheet's XML: refuse absurd extents, note formulas without a value.
    XML that is not well formed is left to the parser, which reports it as damaged."""
    scan = _SheetScan(name, limits, formulas)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = scan.start
    parser.EndElementHandler = scan.end
    parser.CharacterDataHandler = scan.text
    try:
        with archive.open(member) as part:
            _feed(parser, part)
    except _Refused as refused:
        return refused.issue
    except expat.ExpatError:
        return None
    return None


def too_large(sheet: str, row: int | None, column: int | None, limits: Limits) -> Issue:
    """The issue for a sheet reaching ``row``/``column``, beyond what any form needs."""
    where = f"Trang '{sheet}'" if sheet else "Bảng"
    if row and column and column <= _MAX_COLUMN:
        where += f" có ô ở {cell_ref(row, column)}"
    elif row:
        where += f" có dòng {row}"
    return error(
        "sheet_too_large",
        f"{where}: bảng quá lớn (tối đa {limits.rows} dòng, {limits.columns} cột) "
        "cho một biểu mẫu. Xin xóa các dòng, cột thừa ở xa bảng rồi gửi lại.",
        sheet=sheet or None,
        row=row if column else None,
        column=column if row else None,
    )


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


# --- OLE containers: xls, and encrypted Office files ---------------------------------------


def _check_ole(stream: IO[bytes], suffix: str) -> Preflight:
    import msoffcrypto
    import olefile

    stream.seek(0)
    try:
        ole = olefile.OleFileIO(stream)
        streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile on untrusted bytes: every failure is the file's
        return _refuse(
            "corrupt_file", "Tệp Excel (.xls) bị hỏng hoặc chép chưa hết nên không mở được."
        )
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return _refuse("encrypted", ENCRYPTED)
    if not {"Workbook", "Book"} & streams:
        return _refuse(
            "not_a_spreadsheet", f"Tệp {suffix} này là tài liệu Office nhưng không phải bảng tính."
        )
    if any(s.startswith("_VBA_PROJECT_CUR") for s in streams):
        return _refuse("macros", MACROS)
    stream.seek(0)
    try:
        encrypted = msoffcrypto.OfficeFile(stream).is_encrypted()
    except Exception:  # the library raises bare exceptions on damaged streams
        encrypted = False
    if encrypted:
        return _refuse("encrypted", ENCRYPTED)
    return Preflight("xls")


CORRUPT = "Tệp bị hỏng hoặc chép chưa hết nên không mở được. Xin mở lại trên máy, lưu, rồi gửi lại."
MACROS = (
    "Tệp có chứa macro. Để an toàn, chương trình không nhận tệp có macro; xin lưu lại dạng .xlsx "
    "(Excel Workbook, không macro) rồi gửi lại."
)
ENCRYPTED = (
    "Tệp có đặt mật khẩu nên không mở được. Xin bỏ mật khẩu (trong Excel: Tệp > Thông tin > "
    "Bảo vệ sổ làm việc > Mã hóa bằng mật khẩu, xóa mật khẩu) rồi gửi lại."
)

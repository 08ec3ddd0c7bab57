"""Looking at a file before any parser touches it, with the standard library only.

Decides what the file really is (by content, not by its name) and refuses what must not be
parsed: empty, renamed, truncated, encrypted, with macros, zip bombs, XML entity tricks and
sheets so large that a parser would exhaust memory. Also finds formula cells saved without a
value, so that validation can report them instead of trusting an empty cell.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Literal
from xml.etree import ElementTree

from flows.intake.issues import Issue, cell_ref, error
from flows.intake.limits import DEFAULT_LIMITS, MB, Limits

Kind = Literal["xlsx", "xls", "ods", "csv"]

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
HEAD_BYTES = 64 * 1024
PROLOG_BYTES = 1024
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z]")
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"  # some writers prefix every element: <x:c>, <x:f>
_ROW = re.compile(rb"<" + _NS + rb'row\b[^>]*?\br="(\d+)"')
_CELL = re.compile(rb"<" + _NS + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _NS + rb"c>)", re.DOTALL)
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_FORMULA = re.compile(rb"<" + _NS + rb"f\b[^>]*?(?:/>|>(.*?)</" + _NS + rb"f>)", re.DOTALL)
_VALUE = re.compile(rb"<" + _NS + rb"v>[^<]")
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
    if lowered.startswith((b"<!doctype html", b"<html", b"<table")):
        what = "Tệp là một trang web (HTML)"
    elif head.startswith(b"%PDF"):
        what = "Tệp là một tệp PDF"
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
        problem = _zip_bomb(infos, limits) or _macros(names) or _entities(archive, infos)
        if problem:
            return Preflight(None, [problem])
        if kind == "ods":
            return Preflight(kind)
        return _scan_xlsx(archive, limits)


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


def _entities(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> Issue | None:
    for info in infos:
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with archive.open(info) as part:
            head = part.read(PROLOG_BYTES)
            if not _ROOT_ELEMENT.search(head):  # a long prolog: look further
                head += part.read(HEAD_BYTES)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            return error(
                "xml_entities",
                "Tệp chứa khai báo XML bất thường (DOCTYPE/ENTITY) mà Excel không bao giờ tạo "
                "ra; vì an toàn, tệp không được mở.",
            )
    return None


def _scan_xlsx(archive: zipfile.ZipFile, limits: Limits) -> Preflight:
    result = Preflight("xlsx")
    for name, part in _worksheet_parts(archive):
        issue = _scan_sheet(archive, name, part, limits, result.formulas)
        if issue:
            return Preflight(None, [issue])
    return result


def _worksheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip member) for every worksheet, from workbook.xml and its relations."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    try:
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return []
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    parts = []
    for sheet in workbook.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"))
        if not target:
            continue
        member = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts.append((sheet.get("name", ""), member))
    return parts


def _scan_sheet(
    archive: zipfile.ZipFile, name: str, member: str, limits: Limits, formulas: FormulaCells
) -> Issue | None:
    """Stream one worksheet's XML: refuse absurd extents, note formulas without a value."""
    if member not in archive.namelist():
        return None
    buffer = b""
    with archive.open(member) as part:
        while True:
            chunk = part.read(MB)
            buffer += chunk
            cut = buffer.rfind(b"</row>") + len(b"</row>") if chunk else len(buffer)
            if cut < len(b"</row>"):
                if len(buffer) > 64 * MB:
                    return too_large(name, None, None, limits)
                continue
            segment, buffer = buffer[:cut], buffer[cut:]
            issue = _scan_segment(segment, name, limits, formulas)
            if issue or not chunk:
                return issue


def _scan_segment(
    segment: bytes, name: str, limits: Limits, formulas: FormulaCells
) -> Issue | None:
    for match in _CELL.finditer(segment):
        ref = _REF.search(match[1])
        if ref is None:
            continue
        row, column = int(ref[2]), _column_number(ref[1])
        if row > limits.rows or column > limits.columns:
            return too_large(name, row, column, limits)
        inner = match[2] or b""
        formula = _FORMULA.search(inner)
        if formula is not None and not _VALUE.search(inner):
            text = (formula[1] or b"").decode("utf-8", "replace")
            formulas[(name, row, column)] = "=" + _unescape(text)
    for match in _ROW.finditer(segment):
        row = int(match[1])
        if row > limits.rows:
            return too_large(name, row, None, limits)
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


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


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

"""Builders of submitted files, clean and hostile, for the intake tests.

Every ``write_*`` function writes one file at ``path`` and returns ``path``. They use only the
standard library, openpyxl, msoffcrypto (and PyYAML to read the plan's labels), and each takes
well under two seconds.

Hostile files are built so that writing them is cheap: the zip bomb repeats one pre-compressed
block, the million-row and sparse sheets are hand-written XML. Never open the outputs of
``write_zip_bomb``, ``write_entity_bomb``, ``write_sparse_corner`` or ``write_million_rows``
with openpyxl or calamine in the test process (calamine aborts the process on the sparse one);
hand them to the engine, which must refuse them before parsing or parse them in a child.
"""

from __future__ import annotations

import csv
import io
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "config" / "plan.yaml"
PASSWORD = "123456"

Cell = str | int | float | date | datetime | None
Rows = Sequence[Sequence[Cell]]

REGISTRATION: dict[str, Cell] = {
    "huyen": "Huyện Cẩm Giàng",
    "xa": "Thị trấn Lai Cách",
    "mo_hinh": "TTND",
    "nguoi_lien_he": "Nguyễn Văn Thành",
    "dien_thoai": "0912 345 678",
    "so_kdc": 3,
    "so_ho": 1234,
    "ghi_chu": None,
}
"""The data row of a clean registration: Cẩm Giàng, Thị trấn Lai Cách, model TTND."""

HYPERLINK = '=HYPERLINK("http://example.com","Huyện Cẩm Giàng")'

_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_WORKBOOK_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_MACRO_WORKBOOK_TYPE = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
_VBA_REL = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


# --------------------------------------------------------------------------- the plan


@lru_cache(maxsize=8)
def form_spec(form_id: str = "dang-ky", plan: Path = PLAN) -> dict[str, Any]:
    """The raw ``forms[]`` entry of ``plan`` with this id (read with PyYAML, no checks)."""
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    for form in data["forms"]:
        if form["id"] == form_id:
            return dict(form)
    raise KeyError(f"{plan} has no form {form_id!r}")


def form_labels(form_id: str = "dang-ky", plan: Path = PLAN) -> dict[str, str]:
    """Column key -> label of a form of ``plan``, in the plan's order."""
    return {c["key"]: c["label"] for c in form_spec(form_id, plan)["columns"]}


# --------------------------------------------------------------------------- helpers


def _nfd(rows: Rows) -> list[list[Cell]]:
    return [
        [unicodedata.normalize("NFD", v) if isinstance(v, str) else v for v in row] for row in rows
    ]


def _xlsx_bytes(rows: Rows, sheet: str = "Sheet1") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _package(sheets_count: int = 1, *, shared_strings: bool = False) -> dict[str, str]:
    """The parts of a minimal hand-written .xlsx, except the worksheets."""
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{_WORKBOOK_TYPE}"/>']
    rels = []
    sheets = []
    for i in range(1, sheets_count + 1):
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{i}" Type="{_NS_REL}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
        )
        sheets.append(f'<sheet name="Sheet{i}" sheetId="{i}" r:id="rId{i}"/>')
    if shared_strings:
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{sheets_count + 1}" Type="{_NS_REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    return {
        "[Content_Types].xml": _XML_HEAD
        + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(overrides)
        + "</Types>",
        "_rels/.rels": _XML_HEAD + f'<Relationships xmlns="{_NS_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
        "xl/workbook.xml": _XML_HEAD
        + f'<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}"><sheets>'
        + "".join(sheets)
        + "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": _XML_HEAD
        + f'<Relationships xmlns="{_NS_PKG_REL}">'
        + "".join(rels)
        + "</Relationships>",
    }


def _write_parts(path: Path, parts: dict[str, str | bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def _cp1258(text: str) -> str:
    """Text as Windows-1258 holds it: vowel letters composed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            char.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            char = base + "".join(c for c in parts if c in tones)
        out.append(char)
    return "".join(out)


# --------------------------------------------------------------------------- clean files


def write_xlsx(path: str | Path, rows: Rows, *, sheet: str = "Sheet1") -> Path:
    """Write ``rows`` with openpyxl; strings starting with "=" become formulas (no cached value)."""
    path = Path(path)
    path.write_bytes(_xlsx_bytes(rows, sheet))
    return path


def registration_rows(
    plan_row: dict[str, Cell] | None = None,
    *,
    title: bool = True,
    nfd: bool = False,
    **overrides: Cell,
) -> list[list[Cell]]:
    """The rows of a dang-ky file: title block, the plan's labels, one data row."""
    labels = form_labels("dang-ky")
    values = {**REGISTRATION, **(plan_row or {}), **overrides}
    unknown = set(values) - set(labels)
    if unknown:
        raise KeyError(f"not columns of form dang-ky: {sorted(unknown)}")
    rows: list[list[Cell]] = []
    if title:
        district = values.get("huyen")
        shown = district if isinstance(district, str) and not district.startswith("=") else ""
        rows += [
            ["ỦY BAN MTTQ VIỆT NAM"],
            [shown.upper() or "HUYỆN CẨM GIÀNG"],
            [form_spec("dang-ky")["title"]],
            [],
        ]
    rows.append(list(labels.values()))
    rows.append([values.get(key) for key in labels])
    return _nfd(rows) if nfd else rows


def write_registration(
    path: str | Path,
    plan_row: dict[str, Cell] | None = None,
    *,
    title: bool = True,
    nfd: bool = False,
    sheet: str = "Sheet1",
    **overrides: Cell,
) -> Path:
    """A clean dang-ky .xlsx (Cẩm Giàng / Thị trấn Lai Cách / TTND unless overridden by key)."""
    rows = registration_rows(plan_row, title=title, nfd=nfd, **overrides)
    return write_xlsx(path, rows, sheet=sheet)


def write_hyperlink(path: str | Path) -> Path:
    """A clean registration whose district cell is a HYPERLINK formula with no cached value."""
    return write_registration(path, huyen=HYPERLINK)


def write_csv(
    path: str | Path,
    rows: Rows,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    *,
    nfd: bool = False,
) -> Path:
    """A CSV as Excel saves it (CRLF); "utf-16" means UTF-16LE with BOM, "cp1258" as Windows."""
    path = Path(path)
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in _nfd(rows) if nfd else rows:
        writer.writerow(["" if v is None else v for v in row])
    text = buf.getvalue()
    codec = encoding.lower().replace("_", "-")
    if codec in ("utf-16", "utf16"):
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif codec in ("cp1258", "windows-1258"):
        data = _cp1258(text).encode("cp1258")
    else:
        data = text.encode(encoding)
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- broken files


def write_empty(path: str | Path) -> Path:
    """A file of zero bytes."""
    path = Path(path)
    path.write_bytes(b"")
    return path


def write_not_spreadsheet(path: str | Path) -> Path:
    """A small PDF-looking file, whatever the name's extension says."""
    path = Path(path)
    path.write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    return path


def write_truncated_zip(path: str | Path) -> Path:
    """A valid registration .xlsx cut in half (a download that broke off)."""
    path = Path(path)
    data = _xlsx_bytes(registration_rows())
    path.write_bytes(data[: len(data) // 2])
    return path


def write_encrypted(path: str | Path, password: str = PASSWORD) -> Path:
    """A registration .xlsx encrypted as Excel does it (OOXML agile encryption, OLE container)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    path = Path(path)
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(_xlsx_bytes(registration_rows()))).encrypt(password, out)
    path.write_bytes(out.getvalue())
    return path


def write_macro_xlsm(path: str | Path) -> Path:
    """A registration workbook carrying a VBA project (xl/vbaProject.bin, macro content type)."""
    path = Path(path)
    source = zipfile.ZipFile(io.BytesIO(_xlsx_bytes(registration_rows())))
    parts: dict[str, str | bytes] = {}
    for name in source.namelist():
        data = source.read(name)
        if name == "[Content_Types].xml":
            text = data.decode("utf-8").replace(_WORKBOOK_TYPE, _MACRO_WORKBOOK_TYPE)
            text = text.replace(
                "<Default ",
                '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                "<Default ",
                1,
            )
            data = text.encode("utf-8")
        elif name == "xl/_rels/workbook.xml.rels":
            text = data.decode("utf-8").replace(
                "</Relationships>",
                f'<Relationship Id="rIdVba" Type="{_VBA_REL}" Target="vbaProject.bin"/>'
                "</Relationships>",
            )
            data = text.encode("utf-8")
        parts[name] = data
    # Not a working VBA project, but an OLE compound file header and a module's source text.
    parts["xl/vbaProject.bin"] = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + b'Attribute VB_Name = "Module1"\r\nSub Auto_Open()\r\n'
        + b'    Shell "cmd /c echo pwned"\r\nEnd Sub\r\n'
    )
    return _write_parts(path, parts)


# --------------------------------------------------------------------------- hostile files


_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_RECORD = struct.Struct("<IHHHHIIH")


def _write_raw_zip(
    path: Path, entries: Iterable[tuple[str, Sequence[bytes], int, int, int]]
) -> None:
    """Write a zip of pre-deflated entries, each ``(name, chunks, crc, csize, usize)``."""
    dos_time = 8 << 11  # 08:00 on 17/3/2017
    dos_date = ((2017 - 1980) << 9) | (3 << 5) | 17
    central = []
    with path.open("wb") as f:
        for name, chunks, crc, csize, usize in entries:
            offset = f.tell()
            raw_name = name.encode("utf-8")
            common = (8, dos_time, dos_date, crc, csize, usize, len(raw_name), 0)
            f.write(_LOCAL_HEADER.pack(0x04034B50, 20, 0, *common) + raw_name)
            for chunk in chunks:
                f.write(chunk)
            record = _CENTRAL_HEADER.pack(0x02014B50, 20, 20, 0, *common, 0, 0, 0, 0, offset)
            central.append(record + raw_name)
        start = f.tell()
        for record in central:
            f.write(record)
        size = f.tell() - start
        count = len(central)
        f.write(_END_RECORD.pack(0x06054B50, 0, 0, count, count, size, start, 0))


def write_zip_bomb(path: str | Path, inflated: int = 1 << 30) -> Path:
    """An .xlsx whose sheet1.xml inflates to ``inflated`` bytes (1 GiB) or more from ~1 MB."""
    path = Path(path)
    head = (
        f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}"><sheetData><row r="1"><c r="A1" '
        't="inlineStr"><is><t>Huyện</t></is></c></row>'
    ).encode()
    tail = b"</sheetData></worksheet>"
    chunk = b" " * (1 << 20)
    count = -(-inflated // len(chunk))
    # After a full flush the compressor starts afresh, so one compressed block can be repeated.
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    head_c = co.compress(head) + co.flush(zlib.Z_FULL_FLUSH)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    tail_c = co.compress(tail) + co.flush()
    crc = zlib.crc32(head)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    usize = len(head) + count * len(chunk) + len(tail)
    if usize >= 1 << 32:
        raise ValueError("inflated size must stay under 4 GiB (no zip64 here)")
    entries = []
    for name, text in _package().items():
        data = text.encode("utf-8")
        small = zlib.compressobj(9, zlib.DEFLATED, -15)
        body = small.compress(data) + small.flush()
        entries.append((name, [body], zlib.crc32(data), len(body), len(data)))
    chunks = [head_c, *[block] * count, tail_c]
    entries.append(("xl/worksheets/sheet1.xml", chunks, crc, sum(map(len, chunks)), usize))
    _write_raw_zip(path, entries)
    return path


def write_entity_bomb(
    path: str | Path,
    *,
    part: Literal["sharedStrings", "sheet"] = "sharedStrings",
    external: bool = False,
) -> Path:
    """An .xlsx whose shared strings (or sheet) declare "billion laughs" entities in a DOCTYPE.

    With ``external=True`` the DOCTYPE also declares an external entity (file:///etc/passwd).
    """
    path = Path(path)
    lines = ['<!ENTITY lol "lol">']
    for level in range(1, 10):
        ref = f"&lol{level - 1};" if level > 1 else "&lol;"
        lines.append(f'<!ENTITY lol{level} "{ref * 10}">')
    use = "&lol9;"
    if external:
        lines.append('<!ENTITY xxe SYSTEM "file:///etc/passwd">')
        use += "&xxe;"
    root = "sst" if part == "sharedStrings" else "worksheet"
    doctype = f"<!DOCTYPE {root} [\n  " + "\n  ".join(lines) + "\n]>\n"
    parts: dict[str, str | bytes] = dict(_package(shared_strings=part == "sharedStrings"))
    if part == "sharedStrings":
        parts["xl/sharedStrings.xml"] = (
            f'{_XML_HEAD}{doctype}<sst xmlns="{_NS_MAIN}" count="1" uniqueCount="1">'
            f"<si><t>{use}</t></si></sst>"
        )
        cell = '<c r="A1" t="s"><v>0</v></c>'
    else:
        cell = f'<c r="A1" t="inlineStr"><is><t>{use}</t></is></c>'
    sheet_head = _XML_HEAD + (doctype if part == "sheet" else "")
    parts["xl/worksheets/sheet1.xml"] = (
        f'{sheet_head}<worksheet xmlns="{_NS_MAIN}"><sheetData><row r="1">{cell}</row>'
        "</sheetData></worksheet>"
    )
    return _write_parts(path, parts)


def write_sparse_corner(path: str | Path) -> Path:
    """A tiny .xlsx with cells only at A1 and XFD1048576 (the last cell of a sheet)."""
    path = Path(path)
    parts: dict[str, str | bytes] = dict(_package())
    parts["xl/worksheets/sheet1.xml"] = (
        f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}"><dimension ref="A1:XFD1048576"/>'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Huyện</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return _write_parts(path, parts)


def write_million_rows(path: str | Path, rows: int = 1_000_000) -> Path:
    """An .xlsx with ``rows`` rows of one number each, sheet XML streamed into the zip."""
    path = Path(path)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in _package().items():
            zf.writestr(name, data)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(
                f'{_XML_HEAD}<worksheet xmlns="{_NS_MAIN}"><dimension ref="A1:A{rows}"/>'
                "<sheetData>".encode()
            )
            step = 20_000
            for start in range(1, rows + 1, step):
                stop = min(start + step, rows + 1)
                f.write(
                    "".join(
                        f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(start, stop)
                    ).encode()
                )
            f.write(b"</sheetData></worksheet>")
    return path


__all__ = [
    "HYPERLINK",
    "PASSWORD",
    "REGISTRATION",
    "form_labels",
    "form_spec",
    "registration_rows",
    "write_csv",
    "write_empty",
    "write_encrypted",
    "write_entity_bomb",
    "write_hyperlink",
    "write_macro_xlsm",
    "write_million_rows",
    "write_not_spreadsheet",
    "write_registration",
    "write_sparse_corner",
    "write_truncated_zip",
    "write_xlsx",
    "write_zip_bomb",
]

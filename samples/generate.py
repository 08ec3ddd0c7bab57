"""Write the sample submissions in samples/ for the default plan (config/plan.yaml).

Run from anywhere: ``/work/main/.venv/bin/python samples/generate.py``. Every run rewrites the
same files with the same bytes: timestamps inside the files are fixed, the encryption's
random salts are seeded, and LibreOffice's zip timestamps are patched after it writes.

Each folder is named after the day its files are taken in (the "as of" date that decides
lateness); rounds are meant to be processed in date order with one ledger. The list of
samples below is the single source of ``expected.yaml`` and ``README.md``.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
MAX_BYTES = 30 * 1024
PASSWORD = "123456"
VIETNAM_OFFSET = timedelta(hours=7)

Cell = str | int | float | date | None
Column = str | tuple[str, str]  # a label, or (group label, label) for a two-row header

FONT = "Times New Roman"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="center", wrap_text=True)

REPUBLIC = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


# --------------------------------------------------------------------------- layout


@dataclass
class Footer:
    """The signature block under a table: place and date, preparer and signer."""

    place_date: str
    signer_title: str = "PHÓ CHỦ TỊCH"
    preparer: str = ""
    signer: str = ""


@dataclass
class Layout:
    """One worksheet as a site lays it out: title block, header, rows, total, footer."""

    columns: list[Column]
    rows: list[list[Cell]]
    org: list[str] = field(default_factory=list)  # left block: "ỦY BAN MTTQ VIỆT NAM", ...
    motto: bool = False  # the national motto on the right of the org block
    title: list[str] = field(default_factory=list)
    blank_after_title: bool = True
    numbers: bool = False  # a "(1) (2) (3)" row under the header
    blank_before_data: bool = False
    total: list[Cell] | None = None
    total_span: int = 1  # how many leading cells of the total row are merged
    footer: Footer | None = None
    sheet: str = "Sheet1"
    widths: list[float] | None = None


def _font(cell: Any, *, bold: bool = False, italic: bool = False, size: int = 12) -> None:
    cell.font = Font(name=FONT, bold=bold, italic=italic, size=size)


def _merge_text(
    ws: Worksheet, row: int, first: int, last: int, text: str, *, bold=False, italic=False
) -> None:
    cell = ws.cell(row=row, column=first, value=text)
    _font(cell, bold=bold, italic=italic)
    cell.alignment = CENTER
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def fill_sheet(ws: Worksheet, layout: Layout) -> None:
    """Lay ``layout`` out on ``ws`` the way district offices do by hand."""
    width = len(layout.columns)
    half = max(2, width // 2)
    ws.title = layout.sheet
    row = 1
    for i, line in enumerate(layout.org):
        _merge_text(ws, row, 1, half - 1 if layout.motto else half, line, bold=i > 0)
        if layout.motto and i < 2:
            right = (REPUBLIC, MOTTO)[i]
            _merge_text(ws, row, half, width, right, bold=True)
        row += 1
    if layout.org:
        row += 1
    for line in layout.title:
        note = line.startswith("(")
        _merge_text(ws, row, 1, width, line, bold=not note, italic=note)
        row += 1
    if layout.title and layout.blank_after_title:
        row += 1

    two_rows = any(isinstance(c, tuple) for c in layout.columns)
    for col, spec in enumerate(layout.columns, start=1):
        if isinstance(spec, tuple):
            group, label = spec
            first = col == 1 or _group(layout.columns[col - 2]) != group
            head = ws.cell(row=row, column=col, value=group if first else None)
            sub = ws.cell(row=row + 1, column=col, value=label)
            for cell in (head, sub):
                _font(cell, bold=True)
                cell.alignment = CENTER
                cell.border = BOX
        else:
            cell = ws.cell(row=row, column=col, value=spec)
            _font(cell, bold=True)
            cell.alignment = CENTER
            cell.border = BOX
            if two_rows:
                ws.cell(row=row + 1, column=col).border = BOX
                ws.merge_cells(start_row=row, start_column=col, end_row=row + 1, end_column=col)
    if two_rows:  # merge each group label across its columns
        col = 1
        while col <= width:
            spec = layout.columns[col - 1]
            end = col
            if isinstance(spec, tuple):
                while end < width and _group(layout.columns[end]) == spec[0]:
                    end += 1
                if end > col:
                    ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=end)
            col = end + 1
        row += 1
    ws.row_dimensions[row].height = 48
    row += 1

    if layout.numbers:
        for col in range(1, width + 1):
            cell = ws.cell(row=row, column=col, value=f"({col})")
            _font(cell, italic=True, size=11)
            cell.alignment = CENTER
            cell.border = BOX
        row += 1
    if layout.blank_before_data:
        row += 1

    for values in layout.rows:
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            _font(cell)
            cell.border = BOX
            cell.alignment = WRAP
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
                cell.alignment = CENTER
            elif isinstance(value, int | float):
                cell.number_format = "#,##0" if isinstance(value, int) else "#,##0.0"
        row += 1
    if layout.total is not None:
        for col, value in enumerate(layout.total, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            _font(cell, bold=True)
            cell.border = BOX
            cell.alignment = CENTER
        if layout.total_span > 1:
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=layout.total_span)
        row += 1

    if layout.footer is not None:
        foot = layout.footer
        row += 1
        left = 2
        right_first = max(left + 1, width - 2)
        _merge_text(ws, row, right_first, width, foot.place_date, italic=True)
        row += 1
        _merge_text(ws, row, left, left, "Người lập biểu", bold=True)
        _merge_text(ws, row, right_first, width, "TM. BAN THƯỜNG TRỰC", bold=True)
        row += 1
        _merge_text(ws, row, left, left, "(Ký, ghi rõ họ tên)", italic=True)
        _merge_text(ws, row, right_first, width, foot.signer_title, bold=True)
        row += 4
        if foot.preparer:
            _merge_text(ws, row, left, left, foot.preparer, bold=True)
        if foot.signer:
            _merge_text(ws, row, right_first, width, foot.signer, bold=True)

    widths = layout.widths or [_width(c) for c in layout.columns]
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w


def _group(spec: Column) -> str | None:
    return spec[0] if isinstance(spec, tuple) else None


def _width(spec: Column) -> float:
    label = spec[1] if isinstance(spec, tuple) else spec
    if label.strip().upper() == "STT":
        return 5
    return min(30, max(10, len(label) * 0.7))


# --------------------------------------------------------------------------- writers


def stamp(when: datetime) -> datetime:
    """Timestamps are whole seconds, as Office writes them."""
    return when.replace(microsecond=0)


def write_openpyxl(path: Path, layout: Layout, when: datetime, author: str) -> None:
    """Save ``layout`` with openpyxl, with fixed document and zip timestamps."""
    wb = Workbook()
    fill_sheet(wb.active, layout)
    wb.properties.creator = author
    wb.properties.lastModifiedBy = author
    utc = when - VIETNAM_OFFSET  # core properties are in UTC
    wb.properties.created = stamp(utc - timedelta(days=2, hours=3))
    wb.properties.modified = stamp(utc)
    # openpyxl's save() stamps "modified" with the clock; its writer alone does not.
    ExcelWriter(wb, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    set_zip_times(path, when)


def set_zip_times(path: Path, when: datetime) -> None:
    """Rewrite every entry's DOS date and time in place, leaving the compressed bytes alone."""
    data = bytearray(path.read_bytes())
    dos_time = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    dos_date = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        infos = zf.infolist()
        pos = zf.start_dir  # type: ignore[attr-defined]
    for info in infos:
        offset = info.header_offset
        if data[offset : offset + 4] != b"PK\x03\x04":
            raise ValueError(f"{path}: no local header at {offset}")
        struct.pack_into("<HH", data, offset + 10, dos_time, dos_date)
    for _ in infos:
        if data[pos : pos + 4] != b"PK\x01\x02":
            raise ValueError(f"{path}: no central directory entry at {pos}")
        struct.pack_into("<HH", data, pos + 12, dos_time, dos_date)
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        pos += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))


def libreoffice(source: Path, fmt: str, target: Path, when: datetime) -> None:
    """Convert ``source`` with LibreOffice (its own profile) and put the result at ``target``."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if target.exists():
            print(f"  soffice not found: kept the existing {target.relative_to(HERE)}")
            return
        raise SystemExit(f"soffice not found: cannot write {target.relative_to(HERE)}")
    with tempfile.TemporaryDirectory(prefix="lo-profile-", dir="/tmp") as profile:
        outdir = Path(profile) / "out"
        outdir.mkdir()
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            fmt,
            "--outdir",
            str(outdir),
            str(source),
        ]
        env = {**os.environ, "TZ": "UTC"}  # LibreOffice rewrites document times in local time
        subprocess.run(cmd, check=True, capture_output=True, timeout=180, env=env)
        produced = outdir / f"{source.stem}.{fmt}"
        if not produced.exists():
            raise SystemExit(f"LibreOffice wrote nothing for {source.name} -> {fmt}")
        shutil.copyfile(produced, target)
    if fmt in ("xlsx", "ods"):
        set_zip_times(target, when)


def via_libreoffice(fmt: str, layout: Layout, author: str) -> Callable[[Path, datetime], None]:
    """A builder: openpyxl writes the workbook, LibreOffice re-saves it as ``fmt``."""

    def build(target: Path, when: datetime) -> None:
        with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
            # The earlier save was a day before, in Excel format, by the same office.
            source = Path(tmp) / "source.xlsx"
            write_openpyxl(source, layout, when - timedelta(days=1), author)
            libreoffice(source, fmt, target, when)

    return build


def with_openpyxl(layout: Layout, author: str) -> Callable[[Path, datetime], None]:
    """A builder writing ``layout`` with openpyxl."""

    def build(target: Path, when: datetime) -> None:
        write_openpyxl(target, layout, when, author)

    return build


@contextmanager
def seeded_encryption(seed: int, when: datetime) -> Iterator[None]:
    """msoffcrypto with repeatable salts and container timestamps (private hooks, if present)."""
    import msoffcrypto.method.container.ecma376_encrypted as container
    import msoffcrypto.method.ecma376_agile as agile

    rng = random.Random(seed)

    class FixedClock(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> FixedClock:  # type: ignore[override]
            return cls(when.year, when.month, when.day, when.hour, when.minute, when.second)

    saved = (getattr(agile, "_random_buffer", None), getattr(container, "datetime", None))
    if saved[0] is not None:
        agile._random_buffer = rng.randbytes
    if saved[1] is not None:
        container.datetime = FixedClock
    try:
        yield
    finally:
        if saved[0] is not None:
            agile._random_buffer = saved[0]
        if saved[1] is not None:
            container.datetime = saved[1]


def encrypted(layout: Layout, author: str) -> Callable[[Path, datetime], None]:
    """A builder: an openpyxl workbook, then "Protect workbook with password" (123456)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    def build(target: Path, when: datetime) -> None:
        with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
            plain = Path(tmp) / "plain.xlsx"
            write_openpyxl(plain, layout, when, author)
            out = io.BytesIO()
            with plain.open("rb") as f, seeded_encryption(2017, when):
                OOXMLFile(f).encrypt(PASSWORD, out)
        target.write_bytes(out.getvalue())

    return build


def cp1258_text(text: str) -> str:
    """Text in the form Windows-1258 can hold: vowel letters composed, tone marks combining."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            char.encode("cp1258")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        decomposed = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in tones))
        out.append(base + "".join(c for c in decomposed if c in tones))
    return "".join(out)


def csv_file(
    rows: Sequence[Sequence[Cell]], *, encoding: str, delimiter: str
) -> Callable[[Path, datetime], None]:
    """A builder writing a CSV as Excel does: CRLF, quotes only where needed."""

    def build(target: Path, when: datetime) -> None:
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        text = buf.getvalue()
        if encoding == "cp1258":
            data = cp1258_text(text).encode("cp1258")
        elif encoding == "utf-16":  # Excel's "Unicode text": UTF-16LE with a BOM
            data = b"\xff\xfe" + text.encode("utf-16-le")
        else:
            data = text.encode(encoding)
        target.write_bytes(data)

    return build


def copy_of(round_: str, name: str) -> Callable[[Path, datetime], None]:
    """A builder copying an earlier sample byte for byte."""

    def build(target: Path, when: datetime) -> None:
        shutil.copyfile(HERE / round_ / name, target)

    return build


def nfd(layout: Layout) -> Layout:
    """The same layout with every text decomposed (NFD), as text pasted from macOS arrives."""

    def conv(value: Any) -> Any:
        if isinstance(value, str):
            return unicodedata.normalize("NFD", value)
        if isinstance(value, tuple):
            return tuple(conv(v) for v in value)
        return value

    foot = layout.footer
    return replace(
        layout,
        columns=[conv(c) for c in layout.columns],
        rows=[[conv(v) for v in row] for row in layout.rows],
        org=[conv(v) for v in layout.org],
        title=[conv(v) for v in layout.title],
        total=None if layout.total is None else [conv(v) for v in layout.total],
        footer=None if foot is None else Footer(*(conv(v) for v in astuple(foot))),
        sheet=conv(layout.sheet),
    )


# --------------------------------------------------------------------------- contents

DANG_KY = [
    "Huyện, thị xã, thành phố",
    "Xã, thị trấn chọn làm điểm",
    "Mô hình nhân rộng",
    "Người liên hệ",
    "Số điện thoại",
    "Số khu dân cư tham gia",
    "Số hộ tham gia",
    "Ghi chú",
]
HOI_NGHI = [
    "Huyện, thị xã, thành phố",
    "Xã, thị trấn tổ chức hội nghị",
    "Ngày tổ chức hội nghị",
    "Số đại biểu dự",
    "Cấp ủy ban hành Nghị quyết chuyên đề",
    "Thành lập Ban Chỉ đạo",
    "Ban hành Quy ước, Quy chế",
    "Tổng số hộ trong khu dân cư",
    "Số hộ ký cam kết",
    "Kinh phí thực hiện (đồng)",
]
SO_KET = [
    "Huyện, thị xã, thành phố",
    "Xã, thị trấn làm điểm",
    "Ngày sơ kết",
    "Kết quả đạt được",
    "Khó khăn, vướng mắc",
    "Bài học kinh nghiệm",
    "Đề xuất, kiến nghị",
]
BAO_CAO = [
    "Huyện, thị xã, thành phố",
    "Xã, thị trấn làm điểm",
    "Mô hình",
    "Số khu dân cư thực hiện",
    "Tổng số hộ",
    "Số hộ ký cam kết",
    "Công tác chỉ đạo, triển khai",
    "Kết quả thực hiện",
    "Tập thể, cá nhân tiêu biểu",
    "Khó khăn, hạn chế, nguyên nhân",
    "Phương hướng, giải pháp",
    "Đề xuất, kiến nghị",
    "Có hình ảnh minh họa",
    "Có xác nhận của cấp ủy",
]
TITLE_DANG_KY = "BẢNG ĐĂNG KÝ XÂY DỰNG, NHÂN RỘNG MÔ HÌNH NĂM 2017"
TITLE_HOI_NGHI = "BÁO CÁO KẾT QUẢ HỘI NGHỊ TRIỂN KHAI NHÂN RỘNG MÔ HÌNH"
TITLE_SO_KET = "BÁO CÁO SƠ KẾT MÔ HÌNH CẤP HUYỆN"
TITLE_BAO_CAO = "BÁO CÁO KẾT QUẢ THỰC HIỆN MÔ HÌNH NĂM 2017"
MTTQ = "ỦY BAN MTTQ VIỆT NAM"


def org(district: str) -> list[str]:
    """The sender's block: "ỦY BAN MTTQ VIỆT NAM" over "HUYỆN …" over "BAN THƯỜNG TRỰC"."""
    return [MTTQ, district.upper(), "BAN THƯỜNG TRỰC"]


def stt(columns: list[Column]) -> list[Column]:
    """The columns with a leading "STT" (row number) column."""
    return ["STT", *columns]


def so_ket_text(commune: str) -> tuple[str, str, str, str]:
    """Plausible texts for a mid-term review at ``commune``."""
    return (
        f"- {commune} đã tổ chức hội nghị triển khai, 100% khu dân cư xây dựng kế hoạch.\n"
        "- Các hộ ký cam kết thực hiện; Ban Thanh tra nhân dân, tổ tự quản hoạt động "
        "thường xuyên.",
        "Kinh phí hỗ trợ còn hạn chế; một số hộ chưa tích cực tham gia.",
        "Phát huy vai trò người đứng đầu cấp ủy; phân công rõ nhiệm vụ từng thành viên.",
        "Đề nghị tỉnh hỗ trợ kinh phí và tài liệu tuyên truyền.",
    )


def bao_cao_row(
    district: str, commune: str, model: str, kdc: Cell, ho: Cell, cam_ket: Cell, **extra: Cell
) -> list[Cell]:
    """A final-report row with plausible texts; ``extra`` overrides the yes/no answers."""
    return [
        district,
        commune,
        model,
        kdc,
        ho,
        cam_ket,
        "Ban Thường trực Ủy ban MTTQ huyện ban hành kế hoạch, thành lập Ban Chỉ đạo, tổ chức "
        f"hội nghị triển khai tại {commune}.",
        "Các khu dân cư xây dựng và thực hiện quy ước; tỷ lệ hộ ký cam kết đạt trên 90%.",
        "Khu dân cư số 2; ông Nguyễn Văn Hải, trưởng khu dân cư.",
        "Một số hộ còn chưa thực hiện đầy đủ cam kết; kinh phí còn ít.",
        "Duy trì mô hình, nhân rộng ra các khu dân cư còn lại trong năm 2018.",
        "Đề nghị Ban Thường trực tỉnh kiểm tra, công nhận mô hình.",
        extra.get("hinh_anh", "Có"),
        extra.get("xac_nhan", "Có"),
    ]


def footer(place: str, day: date, preparer: str, signer: str) -> Footer:
    """A signature block dated ``day`` at ``place``."""
    return Footer(
        place_date=f"{place}, ngày {day.day:02d} tháng {day.month} năm {day.year}",
        preparer=preparer,
        signer=signer,
    )


# --------------------------------------------------------------------------- the samples


@dataclass
class Sample:
    """One file of one round, how it is written and what the engine must make of it."""

    round: str
    name: str
    written: str
    shows: str
    status: str
    site: str | None
    milestone: str | None
    codes: list[str]
    build: Callable[[Path, datetime], None]

    @property
    def key(self) -> str:
        return f"{self.round}/{self.name}"


R1, R2, R3, R4 = "2017-03-17", "2017-08-30", "2017-09-05", "2017-11-20"

# The title block is exactly three lines (org, district, form title), then a blank row.
_cam_giang_registration = Layout(
    columns=stt(DANG_KY),
    title=[MTTQ, "HUYỆN CẨM GIÀNG", TITLE_DANG_KY],
    numbers=True,
    rows=[
        [
            1,
            "Huyện Cẩm Giàng",
            "Thị trấn Lai Cách",
            "TTND",
            "Nguyễn Văn Thành",
            "0912 345 678",
            3,
            "1.234",
            "Khu 1, Khu 2, Khu 5",
        ]
    ],
    total=["Tổng cộng", None, None, None, None, None, 3, 1234, None],
    total_span=3,
    footer=footer("Cẩm Giàng", date(2017, 3, 15), "Phạm Thị Lan", "Nguyễn Văn Thành"),
)

_so_ket_kinh_mon = Layout(
    columns=stt(SO_KET),
    org=org("Huyện Kinh Môn"),
    motto=True,
    title=[TITLE_SO_KET],
    rows=[[1, "Huyện Kinh Môn", "Xã Hiệp Sơn", date(2017, 8, 25), *so_ket_text("Xã Hiệp Sơn")]],
    footer=footer("Kinh Môn", date(2017, 8, 28), "Trần Văn Tuấn", "Trần Đức Hạnh"),
)


def _hoi_nghi_thanh_ha(cam_ket: Cell, quy_uoc: str) -> Layout:
    return Layout(
        columns=stt(HOI_NGHI),
        org=org("Huyện Thanh Hà"),
        motto=True,
        title=[TITLE_HOI_NGHI, "(Kèm theo Báo cáo số 25/BC-MTTQ ngày 25/8/2017)"],
        numbers=True,
        rows=[
            [
                1,
                "Huyện Thanh Hà",
                "Xã Thanh Xuân",
                date(2017, 6, 15),
                120,
                "Có",
                "x",
                quy_uoc,
                "1.120",
                cam_ket,
                "25.000.000",
            ]
        ],
        footer=footer("Thanh Hà", date(2017, 8, 25), "Hoàng Thị Nga", "Vũ Văn Hùng"),
    )


def _so_ket_cam_giang(district: str, commune: str, accents: bool) -> Layout:
    texts = so_ket_text("Thị trấn Lai Cách")
    if not accents:
        texts = tuple(_fold(t) for t in texts)  # type: ignore[assignment]
    return Layout(
        columns=stt(SO_KET),
        title=[TITLE_SO_KET],
        rows=[[1, district, commune, "25/8/2017", *texts]],
        footer=footer("Cẩm Giàng", date(2017, 8, 29), "Phạm Thị Lan", "Nguyễn Văn Thành"),
    )


def _fold(text: str) -> str:
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D")


def _bao_cao(district: str, rows: list[list[Cell]], place: str, signer: str) -> Layout:
    return Layout(
        columns=stt(BAO_CAO),
        org=org(district),
        motto=True,
        title=[TITLE_BAO_CAO],
        numbers=True,
        rows=rows,
        footer=footer(place, date(2017, 11, 16), "", signer),
    )


SAMPLES: list[Sample] = [
    # ------------------------------------------------------------- 2017-03-17: registrations
    Sample(
        R1,
        "DangKy_CamGiang.xlsx",
        "openpyxl",
        "Title block (org, district, form title) and a blank row above the header; STT column; "
        'column-number row "(1)…(9)"; số hộ typed as text "1.234"; "Tổng cộng" row merged '
        "over three cells; signature footer after a blank row.",
        "accepted",
        "cam-giang",
        "dang-ky",
        [],
        with_openpyxl(_cam_giang_registration, "MTTQ Cam Giang"),
    ),
    Sample(
        R1,
        "kinh mon - dang ky mo hinh.xlsx",
        "openpyxl",
        'Two-row header: "Số lượng tham gia" merged over "Số KDC" and "Số hộ", other labels '
        'merged down both rows; aliases ("Huyện", "Xã, thị trấn", "Mô hình", "Điện thoại"); '
        'district written "H. Kinh Môn"; the full model name instead of its code; an 11-digit '
        "landline with dots; national motto beside the org block.",
        "accepted",
        "kinh-mon",
        "dang-ky",
        [],
        with_openpyxl(
            Layout(
                columns=[
                    "STT",
                    "Huyện",
                    "Xã, thị trấn",
                    "Mô hình",
                    "Người liên hệ",
                    "Điện thoại",
                    ("Số lượng tham gia", "Số KDC"),
                    ("Số lượng tham gia", "Số hộ"),
                    "Ghi chú",
                ],
                org=org("Huyện Kinh Môn"),
                motto=True,
                title=[TITLE_DANG_KY],
                rows=[
                    [
                        1,
                        "H. Kinh Môn",
                        "Xã Hiệp Sơn",
                        "Khu dân cư tự quản đảm bảo an ninh trật tự",
                        "Trần Đức Hạnh",
                        "0320.3821.456",
                        2,
                        845,
                        None,
                    ]
                ],
                footer=footer("Kinh Môn", date(2017, 3, 14), "Trần Văn Tuấn", "Trần Đức Hạnh"),
            ),
            "Admin",
        ),
    ),
    Sample(
        R1,
        "Đăng ký - Bình Giang.ods",
        "LibreOffice (openpyxl workbook converted to .ods)",
        "OpenDocument; header labels in capitals; district and commune without prefix "
        '("Bình Giang", "Thái Học"); số hộ as text "1.560"; Vietnamese file name with spaces.',
        "accepted",
        "binh-giang",
        "dang-ky",
        [],
        via_libreoffice(
            "ods",
            Layout(
                columns=stt([c.upper() for c in DANG_KY]),
                org=org("Huyện Bình Giang"),
                motto=True,
                title=[TITLE_DANG_KY],
                rows=[
                    [
                        1,
                        "Bình Giang",
                        "Thái Học",
                        "ANTT",
                        "Vũ Thị Hương",
                        "0983 456 123",
                        4,
                        "1.560",
                        None,
                    ]
                ],
                footer=footer("Bình Giang", date(2017, 3, 16), "Lương Văn Phúc", "Vũ Thị Hương"),
            ),
            "MTTQ Binh Giang",
        ),
    ),
    Sample(
        R1,
        "DK_KimThanh.xls",
        "LibreOffice (openpyxl workbook converted to Excel 97 .xls)",
        "Legacy .xls (BIFF8); header labels broken over two lines inside the cell (Alt+Enter); "
        "column-number row then a blank row before the data; 11-digit 2017 mobile number.",
        "accepted",
        "kim-thanh",
        "dang-ky",
        [],
        via_libreoffice(
            "xls",
            Layout(
                columns=stt(
                    [
                        "Huyện, thị xã,\nthành phố",
                        "Xã, thị trấn\nchọn làm điểm",
                        "Mô hình\nnhân rộng",
                        "Người\nliên hệ",
                        "Số điện\nthoại",
                        "Số khu dân cư\ntham gia",
                        "Số hộ\ntham gia",
                        "Ghi chú",
                    ]
                ),
                org=org("Huyện Kim Thành"),
                motto=True,
                title=[TITLE_DANG_KY],
                numbers=True,
                blank_before_data=True,
                rows=[
                    [
                        1,
                        "Huyện Kim Thành",
                        "Xã Kim Xuyên",
                        "Khu dân cư tự quản bảo vệ môi trường",
                        "Đỗ Văn Long",
                        "01682345678",
                        2,
                        612,
                        None,
                    ]
                ],
                footer=footer("Kim Thành", date(2017, 3, 13), "Nguyễn Thị Huệ", "Đỗ Văn Long"),
            ),
            "KimThanh",
        ),
    ),
    Sample(
        R1,
        "dang ky thanh mien.csv",
        "csv module, UTF-8 with BOM, comma-separated",
        'CSV as Excel\'s "CSV UTF-8" saves it: BOM, CRLF, a title line padded with empty '
        'fields and a blank line above the header; aliases ("Đơn vị", "Xã/thị trấn", "Số KDC"); '
        'numbers as text ("1.050").',
        "accepted",
        "thanh-mien",
        "dang-ky",
        [],
        csv_file(
            [
                [TITLE_DANG_KY, *[None] * 7],
                [None] * 8,
                [
                    "Đơn vị",
                    "Xã/thị trấn",
                    "Mô hình",
                    "Người liên hệ",
                    "Điện thoại",
                    "Số KDC",
                    "Số hộ",
                    "Ghi chú",
                ],
                [
                    "Huyện Thanh Miện",
                    "Xã Đoàn Tùng",
                    "BVMT",
                    "Lê Thị Mai",
                    "0904 112 233",
                    "3",
                    "1.050",
                    "Thôn Đoàn Tùng, thôn Phú Mỹ, thôn Quang Tiền",
                ],
            ],
            encoding="utf-8-sig",
            delimiter=",",
        ),
    ),
    Sample(
        R1,
        "NinhGiang_DangKy.csv",
        "csv module, Windows-1258, semicolon-separated",
        "CSV as Excel on Vietnamese Windows saves it: code page 1258 (tone marks as combining "
        "characters, so the text decodes to non-NFC Unicode), ';' as separator, no BOM.",
        "accepted",
        "ninh-giang",
        "dang-ky",
        [],
        csv_file(
            [
                [TITLE_DANG_KY, *[None] * 7],
                DANG_KY,
                [
                    "Huyện Ninh Giang",
                    "Xã Văn Hội",
                    "Thực hiện nếp sống văn minh trong việc tang",
                    "Bùi Văn Quang",
                    "0915 667 788",
                    "2",
                    "930",
                    "Đăng ký lần đầu",
                ],
            ],
            encoding="cp1258",
            delimiter=";",
        ),
    ),
    Sample(
        R1,
        "Thanh Ha - dang ky.xlsx",
        "LibreOffice (openpyxl workbook re-saved as .xlsx)",
        'An .xlsx in LibreOffice\'s dialect; aliases only ("Đơn vị đăng ký", "Địa điểm", '
        '"Tên mô hình", "Họ và tên người liên hệ", "SĐT", "KDC", "Số hộ").',
        "accepted",
        "thanh-ha",
        "dang-ky",
        [],
        via_libreoffice(
            "xlsx",
            Layout(
                columns=stt(
                    [
                        "Đơn vị đăng ký",
                        "Địa điểm",
                        "Tên mô hình",
                        "Họ và tên người liên hệ",
                        "SĐT",
                        "KDC",
                        "Số hộ",
                        "Ghi chú",
                    ]
                ),
                org=org("Huyện Thanh Hà"),
                motto=True,
                title=[TITLE_DANG_KY],
                rows=[
                    [
                        1,
                        "Huyện Thanh Hà",
                        "Xã Thanh Xuân",
                        "VMVT",
                        "Hoàng Thị Nga",
                        "0978 223 344",
                        2,
                        1120,
                        None,
                    ]
                ],
                footer=footer("Thanh Hà", date(2017, 3, 15), "Hoàng Thị Nga", "Vũ Văn Hùng"),
            ),
            "User",
        ),
    ),
    Sample(
        R1,
        "TuKy_dangky.xlsx",
        "openpyxl",
        'Commune typed without accents, "Xa Nguyen Giap": not accepted; the feedback should '
        'suggest "Xã Nguyên Giáp". The district is right, so the site is known; Tứ Kỳ stays '
        "unregistered.",
        "rejected",
        "tu-ky",
        "dang-ky",
        ["unknown_unit"],
        with_openpyxl(
            Layout(
                columns=stt(DANG_KY),
                org=org("Huyện Tứ Kỳ"),
                title=[TITLE_DANG_KY],
                rows=[
                    [
                        1,
                        "Huyện Tứ Kỳ",
                        "Xa Nguyen Giap",
                        "VMVT",
                        "Dinh Cong Son",
                        "0936 778 899",
                        2,
                        740,
                        None,
                    ]
                ],
            ),
            "Admin",
        ),
    ),
    Sample(
        R1,
        "Nam Sach dang ky.xlsx",
        "openpyxl",
        "Wrong model for the district: Nam Sách registers BVMT, the plan assigns NTM. Nam Sách "
        "stays unregistered.",
        "rejected",
        "nam-sach",
        "dang-ky",
        ["wrong_model"],
        with_openpyxl(
            Layout(
                columns=stt(DANG_KY),
                org=org("Huyện Nam Sách"),
                motto=True,
                title=[TITLE_DANG_KY],
                numbers=True,
                rows=[
                    [
                        1,
                        "Huyện Nam Sách",
                        "Xã An Lâm",
                        "BVMT",
                        "Phạm Văn Khải",
                        "0965 334 455",
                        3,
                        "1.015",
                        None,
                    ]
                ],
                footer=footer("Nam Sách", date(2017, 3, 16), "Lê Thị Thu", "Phạm Văn Khải"),
            ),
            "MTTQ Nam Sach",
        ),
    ),
    Sample(
        R1,
        "TP Hai Duong - dang ky.xlsx",
        "openpyxl",
        "From a unit that exists in the gazetteer but is no site of the plan (Thành phố Hải "
        "Dương).",
        "rejected",
        None,
        "dang-ky",
        ["unknown_site"],
        with_openpyxl(
            Layout(
                columns=stt(DANG_KY),
                org=org("Thành phố Hải Dương"),
                motto=True,
                title=[TITLE_DANG_KY],
                rows=[
                    [
                        1,
                        "Thành phố Hải Dương",
                        "Phường Cẩm Thượng",
                        "ANTT",
                        "Ngô Thị Hạnh",
                        "0912 556 677",
                        4,
                        1320,
                        None,
                    ]
                ],
                footer=footer("Hải Dương", date(2017, 3, 16), "", "Ngô Thị Hạnh"),
            ),
            "TP Hai Duong",
        ),
    ),
    # ------------------------------------------------------ 2017-08-30: conferences, reviews
    Sample(
        R2,
        "Báo cáo hội nghị - Thanh Hà.xlsx",
        "openpyxl",
        "Vietnamese file name with spaces; conference date as a real Excel date; yes/no as "
        '"Có", "x" and "Không"; numbers as text ("1.120", "25.000.000"); subtitle line in '
        "italics under the title.",
        "accepted",
        "thanh-ha",
        "hoi-nghi",
        [],
        with_openpyxl(_hoi_nghi_thanh_ha(980, "Không"), "User"),
    ),
    Sample(
        R2,
        "HoiNghi_CamGiang.xlsx",
        "openpyxl",
        'No title block; aliases ("Ngày tổ chức", "Quy ước quy chế", "Hộ ký cam kết", '
        '"Kinh phí"); date typed as text "20/7/2017"; kinh phí typed "1,5" (decimal comma); '
        "column-number row.",
        "accepted",
        "cam-giang",
        "hoi-nghi",
        [],
        with_openpyxl(
            Layout(
                columns=stt(
                    [
                        "Huyện",
                        "Xã, thị trấn",
                        "Ngày tổ chức",
                        "Số đại biểu",
                        "Nghị quyết chuyên đề",
                        "Ban Chỉ đạo",
                        "Quy ước quy chế",
                        "Tổng số hộ",
                        "Hộ ký cam kết",
                        "Kinh phí",
                    ]
                ),
                numbers=True,
                rows=[
                    [
                        1,
                        "Huyện Cẩm Giàng",
                        "Thị trấn Lai Cách",
                        "20/7/2017",
                        150,
                        "Có",
                        "Có",
                        "Có",
                        "1.234",
                        "1.100",
                        "1,5",
                    ]
                ],
            ),
            "MTTQ Cam Giang",
        ),
    ),
    Sample(
        R2,
        "so ket cam giang.xlsx",
        "openpyxl",
        'Typed without accents: district "Cam Giang" and commune "Thi tran Lai Cach". Neither '
        "is accepted; the feedback should suggest Huyện Cẩm Giàng (and Thị trấn Lai Cách). The "
        "site cannot be named from the file.",
        "rejected",
        None,
        "so-ket",
        ["unknown_unit"],
        with_openpyxl(_so_ket_cam_giang("Cam Giang", "Thi tran Lai Cach", False), "Admin"),
    ),
    Sample(
        R2,
        "SoKet_KinhMon.xlsx",
        "openpyxl",
        "Clean sơ kết; long texts with line breaks inside cells; date as a real Excel date.",
        "accepted",
        "kinh-mon",
        "so-ket",
        [],
        with_openpyxl(_so_ket_kinh_mon, "Admin"),
    ),
    Sample(
        R2,
        "HoiNghi_BinhGiang.xlsx",
        "openpyxl",
        "Breaks the rule so_ho_cam_ket <= so_ho: 1.620 households signed out of 1.560.",
        "rejected",
        "binh-giang",
        "hoi-nghi",
        ["rule_failed"],
        with_openpyxl(
            Layout(
                columns=stt(HOI_NGHI),
                org=org("Huyện Bình Giang"),
                motto=True,
                title=[TITLE_HOI_NGHI],
                rows=[
                    [
                        1,
                        "Huyện Bình Giang",
                        "Xã Thái Học",
                        date(2017, 7, 28),
                        135,
                        "Có",
                        "Có",
                        "Có",
                        1560,
                        1620,
                        30000000,
                    ]
                ],
                footer=footer("Bình Giang", date(2017, 8, 28), "Lương Văn Phúc", "Vũ Thị Hương"),
            ),
            "MTTQ Binh Giang",
        ),
    ),
    Sample(
        R2,
        "HoiNghi_KimThanh.xlsx",
        "openpyxl, then encrypted with msoffcrypto (password 123456)",
        "Password-protected workbook (OOXML agile encryption in an OLE container): cannot be "
        "read, so neither site nor form is known.",
        "rejected",
        None,
        None,
        ["encrypted"],
        encrypted(
            Layout(
                columns=stt(HOI_NGHI),
                org=org("Huyện Kim Thành"),
                title=[TITLE_HOI_NGHI],
                rows=[
                    [
                        1,
                        "Huyện Kim Thành",
                        "Xã Kim Xuyên",
                        date(2017, 8, 10),
                        98,
                        "Có",
                        "Có",
                        "Có",
                        612,
                        590,
                        12000000,
                    ]
                ],
            ),
            "KimThanh",
        ),
    ),
    Sample(
        R2,
        "hoinghi_ninhgiang.csv",
        "csv module, UTF-16LE with BOM, tab-separated",
        'Excel\'s "Unicode text" (.txt) renamed .csv: UTF-16LE with BOM, tabs, CRLF; date as '
        'text "12/8/2017"; all numbers as text.',
        "accepted",
        "ninh-giang",
        "hoi-nghi",
        [],
        csv_file(
            [
                HOI_NGHI,
                [
                    "Huyện Ninh Giang",
                    "Xã Văn Hội",
                    "12/8/2017",
                    "95",
                    "Có",
                    "Có",
                    "Có",
                    "930",
                    "930",
                    "18.500.000",
                ],
            ],
            encoding="utf-16",
            delimiter="\t",
        ),
    ),
    Sample(
        R2,
        "SoKet ThanhMien.xlsx",
        "openpyxl",
        "Commune outside the district: Xã Cẩm Vũ is in Cẩm Giàng, not Thanh Miện (a template "
        "copied from a neighbour).",
        "rejected",
        "thanh-mien",
        "so-ket",
        ["unit_outside"],
        with_openpyxl(
            Layout(
                columns=stt(SO_KET),
                org=org("Huyện Thanh Miện"),
                title=[TITLE_SO_KET],
                rows=[
                    [
                        1,
                        "Huyện Thanh Miện",
                        "Xã Cẩm Vũ",
                        date(2017, 8, 24),
                        *so_ket_text("Xã Đoàn Tùng"),
                    ]
                ],
                footer=footer("Thanh Miện", date(2017, 8, 28), "Lê Thị Mai", "Đặng Văn Toàn"),
            ),
            "Admin",
        ),
    ),
    Sample(
        R2,
        "so ket nam sach.ods",
        "LibreOffice (openpyxl workbook converted to .ods)",
        "A clean sơ kết from Nam Sách, whose registration was rejected: accepted with a "
        "not-registered warning.",
        "accepted",
        "nam-sach",
        "so-ket",
        ["not_registered"],
        via_libreoffice(
            "ods",
            Layout(
                columns=stt(SO_KET),
                org=org("Huyện Nam Sách"),
                motto=True,
                title=[TITLE_SO_KET],
                numbers=True,
                rows=[
                    [
                        1,
                        "Huyện Nam Sách",
                        "Xã An Lâm",
                        date(2017, 8, 28),
                        *so_ket_text("Xã An Lâm"),
                    ]
                ],
                footer=footer("Nam Sách", date(2017, 8, 29), "Lê Thị Thu", "Phạm Văn Khải"),
            ),
            "MTTQ Nam Sach",
        ),
    ),
    # ------------------------------------------------------------------- 2017-09-05: late
    Sample(
        R3,
        "SoKet_CamGiang_bosung.xlsx",
        "openpyxl",
        "Cẩm Giàng's sơ kết sent again with correct names after the 30/8 rejection: late "
        "(due 31/8); not a new version, since nothing of it was accepted before.",
        "accepted",
        "cam-giang",
        "so-ket",
        ["late"],
        with_openpyxl(
            _so_ket_cam_giang("Huyện Cẩm Giàng", "Thị trấn Lai Cách", True), "MTTQ Cam Giang"
        ),
    ),
    Sample(
        R3,
        "Báo cáo hội nghị - Thanh Hà (sửa).xlsx",
        "openpyxl",
        "Corrected version of the 30/8 Thanh Hà hội nghị (Quy ước now issued, 1.050 "
        "households signed): supersedes the accepted record; late, as it arrives after 31/8.",
        "accepted",
        "thanh-ha",
        "hoi-nghi",
        ["late", "new_version"],
        with_openpyxl(_hoi_nghi_thanh_ha("1.050", "Có"), "User"),
    ),
    Sample(
        R3,
        "HoiNghi_GiaLoc.xlsx",
        "openpyxl",
        "From Gia Lộc, which never registered: accepted with warnings (late, not registered).",
        "accepted",
        "gia-loc",
        "hoi-nghi",
        ["late", "not_registered"],
        with_openpyxl(
            Layout(
                columns=stt(HOI_NGHI),
                org=org("Huyện Gia Lộc"),
                motto=True,
                title=[TITLE_HOI_NGHI],
                numbers=True,
                rows=[
                    [
                        1,
                        "Huyện Gia Lộc",
                        "Xã Phạm Trấn",
                        date(2017, 8, 18),
                        110,
                        "Có",
                        "Có",
                        "Không",
                        "1.340",
                        "1.205",
                        "20.000.000",
                    ]
                ],
                footer=footer("Gia Lộc", date(2017, 9, 4), "Trịnh Thị Yến", "Đào Văn Sinh"),
            ),
            "MTTQ Gia Loc",
        ),
    ),
    # ------------------------------------------------------------ 2017-11-20: final reports
    Sample(
        R4,
        "BaoCao_CamGiang.xlsx",
        "openpyxl",
        "Clean final report, on the due day (20/11 is not late); model as code.",
        "accepted",
        "cam-giang",
        "bao-cao",
        [],
        with_openpyxl(
            _bao_cao(
                "Huyện Cẩm Giàng",
                [
                    [
                        1,
                        *bao_cao_row(
                            "Huyện Cẩm Giàng", "Thị trấn Lai Cách", "TTND", 3, "1.234", "1.180"
                        ),
                    ]
                ],
                "Cẩm Giàng",
                "Nguyễn Văn Thành",
            ),
            "MTTQ Cam Giang",
        ),
    ),
    Sample(
        R4,
        "Bao cao ket qua Binh Giang.xlsx",
        "openpyxl",
        "Reports Xã Thái Dương although Bình Giang registered Xã Thái Học: accepted with a "
        "unit-changed warning.",
        "accepted",
        "binh-giang",
        "bao-cao",
        ["unit_changed"],
        with_openpyxl(
            _bao_cao(
                "Huyện Bình Giang",
                [
                    [
                        1,
                        *bao_cao_row(
                            "Huyện Bình Giang", "Xã Thái Dương", "ANTT", 4, 1480, 1402, hinh_anh="x"
                        ),
                    ]
                ],
                "Bình Giang",
                "Vũ Thị Hương",
            ),
            "MTTQ Binh Giang",
        ),
    ),
    Sample(
        R4,
        "BC_ThanhMien.xls",
        "LibreOffice (openpyxl workbook converted to Excel 97 .xls)",
        "Clean final report in .xls with the full model name.",
        "accepted",
        "thanh-mien",
        "bao-cao",
        [],
        via_libreoffice(
            "xls",
            _bao_cao(
                "Huyện Thanh Miện",
                [
                    [
                        1,
                        *bao_cao_row(
                            "Huyện Thanh Miện",
                            "Xã Đoàn Tùng",
                            "Khu dân cư tự quản bảo vệ môi trường",
                            3,
                            "1.050",
                            "1.050",
                        ),
                    ]
                ],
                "Thanh Miện",
                "Đặng Văn Toàn",
            ),
            "Admin",
        ),
    ),
    Sample(
        R4,
        "baocao_tuky.xlsx",
        "openpyxl, every text in NFD",
        "All text decomposed (NFD, as pasted from macOS); from Tứ Kỳ, whose registration was "
        "rejected: accepted with a not-registered warning.",
        "accepted",
        "tu-ky",
        "bao-cao",
        ["not_registered"],
        with_openpyxl(
            nfd(
                _bao_cao(
                    "Huyện Tứ Kỳ",
                    [[1, *bao_cao_row("Huyện Tứ Kỳ", "Xã Nguyên Giáp", "VMVT", 2, 740, 702)]],
                    "Tứ Kỳ",
                    "Đinh Công Sơn",
                )
            ),
            "MacBook",
        ),
    ),
    Sample(
        R4,
        "BaoCao_KimThanh.xlsx",
        "openpyxl",
        'Unknown model "Mô hình tự quản về môi trường" (not a model of the plan), and the '
        "required cấp ủy confirmation left empty.",
        "rejected",
        "kim-thanh",
        "bao-cao",
        ["unknown_model", "missing_value"],
        with_openpyxl(
            _bao_cao(
                "Huyện Kim Thành",
                [
                    [
                        1,
                        *bao_cao_row(
                            "Huyện Kim Thành",
                            "Xã Kim Xuyên",
                            "Mô hình tự quản về môi trường",
                            2,
                            612,
                            590,
                            xac_nhan=None,
                        ),
                    ]
                ],
                "Kim Thành",
                "Đỗ Văn Long",
            ),
            "KimThanh",
        ),
    ),
    Sample(
        R4,
        "so ket kinh mon (gui lai).xlsx",
        "byte copy of 2017-08-30/SoKet_KinhMon.xlsx",
        "The same bytes as an earlier accepted file, sent again under another name: not read "
        "again, so no site or milestone is reported for it.",
        "duplicate",
        None,  # a duplicate is not read again, so neither site nor milestone is known
        None,
        ["duplicate_file"],
        copy_of(R2, "SoKet_KinhMon.xlsx"),
    ),
    Sample(
        R4,
        "Báo cáo kết quả - Kinh Môn.xlsx",
        "LibreOffice (openpyxl workbook re-saved as .xlsx)",
        'Clean final report in LibreOffice\'s .xlsx dialect; sheet named "Báo cáo"; yes/no as "x".',
        "accepted",
        "kinh-mon",
        "bao-cao",
        [],
        via_libreoffice(
            "xlsx",
            replace(
                _bao_cao(
                    "Huyện Kinh Môn",
                    [
                        [
                            1,
                            *bao_cao_row(
                                "Huyện Kinh Môn",
                                "Xã Hiệp Sơn",
                                "ANTT",
                                2,
                                845,
                                812,
                                hinh_anh="x",
                                xac_nhan="x",
                            ),
                        ]
                    ],
                    "Kinh Môn",
                    "Trần Đức Hạnh",
                ),
                sheet="Báo cáo",
            ),
            "Admin",
        ),
    ),
]


# --------------------------------------------------------------------------- outputs


def when_of(sample: Sample, index: int) -> datetime:
    """A fixed save time: the morning of the round's day, a few minutes apart."""
    day = date.fromisoformat(sample.round)
    return datetime(day.year, day.month, day.day, 7, 30) + timedelta(minutes=7 * index)


def yaml_str(text: str | None) -> str:
    """A YAML scalar: null, or a double-quoted string."""
    if text is None:
        return "null"
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def expected_yaml() -> str:
    """expected.yaml: for every file, what the engine must make of it."""
    lines = [
        "# What `mohinh intake` must make of each sample (written by samples/generate.py).",
        "# Rounds are processed in date order with one ledger; the folder name is the",
        "# 'as of' date. `codes`: issue codes that must appear (warnings on accepted files,",
        "# errors on rejected ones); no other error code should appear. Warnings such as",
        "# unknown_column for an 'STT' column are not listed.",
        "",
    ]
    current = None
    for s in SAMPLES:
        if s.round != current:
            current = s.round
            lines.append(f"# --- {current}")
        codes = ", ".join(s.codes)
        lines += [
            f"{yaml_str(s.key)}:",
            f"  status: {s.status}",
            f"  site: {s.site or 'null'}",
            f"  milestone: {s.milestone or 'null'}",
            f"  codes: [{codes}]",
        ]
    return "\n".join(lines) + "\n"


README_HEAD = """\
# Sample submissions

Realistic files that district offices might drop into the inbox for the default plan
(`config/plan.yaml`, Hải Dương 2017), in four rounds. Each folder is named after the day its
files are taken in: that "as of" date decides lateness. Process the rounds in date order
with one ledger: duplicates, new versions and "not registered" refer to earlier rounds.

- `expected.yaml` says, for every file, the status (`accepted`, `rejected`, `duplicate`), the
  site, the milestone and the issue codes that must appear. `site` is the site the district
  cell names, also on a rejected file (its feedback goes to that site); it is null when the
  file cannot be read, names no site, or is a duplicate (not read again). `codes` is a
  subset check: warnings not listed may appear (e.g. unknown_column for "STT"), errors not
  listed may not.
- `generate.py` writes everything here, byte for byte the same on every run:
  `.venv/bin/python samples/generate.py` (about 10 s). It needs LibreOffice (`soffice`) for
  the `.ods`, `.xls` and LibreOffice `.xlsx` files; without it, existing ones are kept.
- openpyxl writes strings inline (`t="inlineStr"`), as Excel does not; the LibreOffice
  `.xlsx` files use a shared-strings table, as Excel does.

Who registered (round 2017-03-17): Cẩm Giàng (Thị trấn Lai Cách), Kinh Môn (Xã Hiệp Sơn),
Bình Giang (Xã Thái Học), Kim Thành (Xã Kim Xuyên), Thanh Miện (Xã Đoàn Tùng), Ninh Giang
(Xã Văn Hội), Thanh Hà (Xã Thanh Xuân). Tứ Kỳ's and Nam Sách's registrations are rejected
and Gia Lộc sends none, so these three count as not registered later on.

Due dates: registration 2017-03-20; hội nghị and sơ kết 2017-08-31; báo cáo 2017-11-20 (the
last round arrives on the due day, which is not late).
"""


def readme() -> str:
    """README.md: one table row per sample."""
    lines = [README_HEAD]
    current = None
    for s in SAMPLES:
        if s.round != current:
            current = s.round
            lines += [
                "",
                f"## {current}",
                "",
                "| file | written by | expected | what it shows |",
                "| --- | --- | --- | --- |",
            ]
        result = s.status + (f": {', '.join(s.codes)}" if s.codes else "")
        lines.append(f"| `{s.name}` | {s.written} | {result} | {s.shows} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Write every sample, expected.yaml and README.md; check sizes."""
    keys = [s.key for s in SAMPLES]
    if len(set(keys)) != len(keys):
        raise SystemExit("two samples share a name")
    rounds = sorted({s.round for s in SAMPLES})
    for round_ in rounds:
        folder = HERE / round_
        folder.mkdir(exist_ok=True)
        wanted = {s.name for s in SAMPLES if s.round == round_}
        for stale in folder.iterdir():
            if stale.name not in wanted:
                stale.unlink()
    for index, sample in enumerate(SAMPLES):
        target = HERE / sample.round / sample.name
        sample.build(target, when_of(sample, index))
        size = target.stat().st_size
        if size > MAX_BYTES:
            raise SystemExit(f"{sample.key} is {size} bytes, more than {MAX_BYTES}")
        print(f"{size:>7}  {sample.key}")
    (HERE / "expected.yaml").write_text(expected_yaml(), encoding="utf-8")
    (HERE / "README.md").write_text(readme(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

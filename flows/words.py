"""The command line's own words in Vietnamese: what typer and click print around our texts.

Typer and click ask gettext for every word they print themselves ("Usage:", the "Options",
"Commands" and "Arguments" panels, "Show this message and exit.", "[default: …]", their error
messages): that is the way typer supports translating them. :data:`WORDS` holds the Vietnamese;
``flows/locale/vi/LC_MESSAGES/mohinh.mo`` is the gettext catalogue made from it (rebuilt by
``python -m flows.words``; ``tests/test_words.py`` fails when it is out of date), and
:func:`speak_vietnamese` points gettext at it before the command line runs. gettext finds the
language in ``LANGUAGE``, so the command line sets ``LANGUAGE=vi`` for itself (it reads only
message catalogues: dates, numbers and sorting keep the machine's locale).
"""

from __future__ import annotations

import gettext
import os
import struct
from pathlib import Path

DOMAIN = "mohinh"
LOCALE = Path(__file__).resolve().parent / "locale"
CATALOGUE = LOCALE / "vi" / "LC_MESSAGES" / f"{DOMAIN}.mo"
HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=1; plural=0;\n"

WORDS: dict[str, str] = {
    # help
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Arguments": "Đối số",
    "Show this message and exit.": "Xem hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Xem phiên bản rồi thoát.",
    "[default: {}]": "[mặc định: {}]",
    "default: {default}": "mặc định: {default}",
    "[env var: {}]": "[biến môi trường: {}]",
    "env var: {var}": "biến môi trường: {var}",
    "[required]": "[bắt buộc]",
    "required": "bắt buộc",
    "(deprecated) ": "(không còn dùng) ",
    "deprecated": "không còn dùng",
    "(dynamic)": "(tùy lúc chạy)",
    # errors
    "Error": "Lỗi",
    "Error: {message}": "Lỗi: {message}",
    "Aborted.": "Đã dừng.",
    "Aborted!": "Đã dừng!",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "Xem hướng dẫn: [blue]'{command_path} {help_option}'[/]."
    ),
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Missing command.": "Thiếu lệnh.",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": (
        "Giá trị của {param_hint} không hợp lệ: {message}"
    ),
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} cần {nargs} giá trị.",
    "Value must be an iterable.": "Cần một danh sách giá trị.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải số hợp lệ.",
    "{value} is not in the range {range}.": "{value} không nằm trong khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải có/không. Các giá trị được nhận: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "file": "tệp",
    "directory": "thư mục",
    "path": "đường dẫn",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} không đọc được.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} không ghi được.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} không chạy được.",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không rõ",
    "Do you want to continue?": "Tiếp tục?",
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không giống nhau.",
    "Error: invalid input": "Lỗi: nhập không hợp lệ",
    "Press any key to continue...": "Bấm phím bất kỳ để tiếp tục...",
}

PLURAL_WORDS: dict[tuple[str, str], str] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "Có đối số thừa ({args})"
    ),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "Có phải {possibility}?"
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "Tùy chọn {name!r} cần {nargs} giá trị đi kèm."
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "{value!r} không phải một trong: {choices}."
    ),
    (
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ): "{value!r} không đúng dạng {formats}.",
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "Cần {nargs} giá trị nhưng có {len}."
    ),
    (
        "{len_type} values are required, but {len_value} was given.",
        "{len_type} values are required, but {len_value} were given.",
    ): "Cần {len_type} giá trị nhưng có {len_value}.",
}


def catalogue() -> bytes:
    """:data:`WORDS` and :data:`PLURAL_WORDS` as a gettext ``.mo`` file (the format GNU
    ``msgfmt`` writes: a header, then the sorted original and translated strings)."""
    entries = {"": HEADER} | WORDS
    entries |= {f"{one}\0{many}": said for (one, many), said in PLURAL_WORDS.items()}
    keys = sorted(entries, key=lambda k: k.encode("utf-8"))
    originals = [k.encode("utf-8") for k in keys]
    translated = [entries[k].encode("utf-8") for k in keys]
    start = 7 * 4 + 16 * len(keys)  # the header and the two tables of (length, offset)
    table: list[int] = []
    offset = start
    for text in originals:
        table += [len(text), offset]
        offset += len(text) + 1
    for text in translated:
        table += [len(text), offset]
        offset += len(text) + 1
    head = struct.pack("<7I", 0x950412DE, 0, len(keys), 28, 28 + 8 * len(keys), 0, 0)
    body = b"".join(text + b"\0" for text in [*originals, *translated])
    return head + struct.pack(f"<{len(table)}I", *table) + body


def speak_vietnamese() -> None:
    """Make typer and click print their words from the Vietnamese catalogue. Call it before
    typer prints anything: typer reads its panel titles once, when it first prints help."""
    gettext.bindtextdomain(DOMAIN, str(LOCALE))
    gettext.textdomain(DOMAIN)
    os.environ["LANGUAGE"] = "vi"


if __name__ == "__main__":
    CATALOGUE.parent.mkdir(parents=True, exist_ok=True)
    CATALOGUE.write_bytes(catalogue())
    print(f"{CATALOGUE}: {len(WORDS) + len(PLURAL_WORDS)} words")

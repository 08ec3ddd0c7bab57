"""Rendering .docx templates: compiled once, rendered many times, strict and escaped.

A template is a docxtpl file: Jinja tags inside Word text. Loading one checks that no tag is
split across runs (Word splits a tag when part of it is retyped or formatted), prepares every
XML part the way docxtpl does, and compiles it once with autoescape and strict undefined
variables. Rendering a document is then one Jinja render per part and one zip write, with no
re-parsing of the template, so thousands of letters cost little and can be spread over
processes. A missing variable is an error naming the template and the variable, never a blank.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from docxtpl import DocxTemplate
from jinja2 import meta
from lxml import etree
from markupsafe import Markup, escape

from flows.errors import MohinhError
from flows.parallel import spread

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
RENDERED_PARTS = re.compile(r"word/(document|header\d*|footer\d*)\.xml")
TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
MARKS = ("{{", "{%", "{#", "}}", "%}", "#}")
BLOCK_TAG = re.compile(r"\{%(p|tr|tc)\s|\{\{(p|tr|tc)\s")
ROW_TAG = re.compile(r"\{%tr\s")
# Characters XML 1.0 forbids; a docx holding one is refused by Word.
# Characters XML 1.0 forbids, plus the bidi overrides and isolates that would show the
# program's own text after them mirrored.
INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
GUARD = "\ue000"  # a private-use character no document needs
BRACE_ESCAPE = re.compile(r"([{}%])_")
# docxtpl turns these into tabs, paragraphs and page breaks: user text keeps them as spaces.
LAYOUT_CONTROLS = str.maketrans({"\t": " ", "\a": " ", "\f": " ", "\v": " "})
PARAGRAPH_BREAK = "\a"  # docxtpl ends the paragraph here and opens one of the same style
UNDEFINED_NAME = re.compile(r"'([^']+)' is undefined|has no attribute '([^']+)'")


class TemplateProblem(MohinhError):
    """A template cannot be used: missing, damaged, a split tag or a missing variable."""


class Paragraphs(tuple[str, ...]):
    """Text to show as separate paragraphs, each taking the paragraph style of the one the
    variable sits in (a justified paragraph with line breaks stretches every broken line)."""

    __slots__ = ()


def clean_text(value: Any) -> Any:
    """What a user's text may put into a document: no XML-invalid characters, no layout
    controls (a newline stays: it becomes a line break). Markup (our own XML) passes as is;
    :class:`Paragraphs` become escaped paragraphs."""
    if isinstance(value, Paragraphs):
        parts = (escape(clean_text(p)).replace("\n", " ") for p in value)
        return Markup(PARAGRAPH_BREAK.join(parts))
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    return guard_braces(INVALID_XML.sub("", text.translate(LAYOUT_CONTROLS)))


def guard_braces(text: str) -> str:
    """Keep docxtpl from turning a user's ``{_{``, ``}_}``, ``{_%`` or ``%_}`` into a tag mark
    (its escapes for template authors): a marker goes between, removed after rendering."""
    return BRACE_ESCAPE.sub(lambda m: m.group(1) + GUARD + "_", text.replace(GUARD, ""))


def make_environment() -> jinja2.Environment:
    """The Jinja environment every template is compiled in."""
    return jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=clean_text,
        keep_trailing_newline=True,
    )


def split_tags(xml: str | bytes) -> list[str]:
    """Tags docxtpl cannot read, one Vietnamese line each: a tag split over several runs of
    text, an opening or closing mark without its pair, and a paragraph or row tag (``{%p``,
    ``{{p``, ``{%tr``) sharing its paragraph or row with other text (docxtpl drops that text)."""
    root = etree.fromstring(xml.encode("utf-8") if isinstance(xml, str) else xml)
    problems = []
    for number, paragraph in enumerate(root.iter(f"{{{W}}}p"), start=1):
        pieces = [t.text or "" for t in paragraph.iter(f"{{{W}}}t")]
        text = "".join(pieces)
        bounds, start = [], 0
        for piece in pieces:
            bounds.append((start, start + len(piece)))
            start += len(piece)
        covered: set[int] = set()
        for match in TAG.finditer(text):
            covered.update(range(match.start(), match.end()))
            if not any(a <= match.start() and match.end() <= b for a, b in bounds):
                problems.append(f"đoạn văn {number}: {match.group(0)}")
        for mark in MARKS:
            for found in re.finditer(re.escape(mark), text):
                if found.start() not in covered:
                    problems.append(f"đoạn văn {number}: dấu '{mark}' không có dấu đi cặp")
        block = BLOCK_TAG.search(text)
        if block and "tr" not in block.groups() and TAG.fullmatch(text.strip()) is None:
            problems.append(f"đoạn văn {number}: thẻ '{block.group(0)}…' phải đứng một mình")
    for number, row in enumerate(root.iter(f"{{{W}}}tr"), start=1):
        text = "".join(t.text or "" for t in row.iter(f"{{{W}}}t"))
        if ROW_TAG.search(text) and TAG.fullmatch(text.strip()) is None:
            problems.append(f"dòng bảng {number}: thẻ '{{%tr' phải đứng một mình trong dòng")
    return problems


def _unknown_filters(environment: jinja2.Environment, parsed: jinja2.nodes.Template) -> set[str]:
    """Filters and tests a template names that Jinja does not know (Jinja only notices them
    when the branch using them runs, which may be months later)."""
    unknown = {f.name for f in parsed.find_all(jinja2.nodes.Filter)} - environment.filters.keys()
    unknown |= {t.name for t in parsed.find_all(jinja2.nodes.Test)} - environment.tests.keys()
    return unknown


@dataclass(frozen=True)
class Part:
    """One XML part of the package, compiled."""

    name: str
    template: jinja2.Template
    encoding: str


class CompiledTemplate:
    """A docxtpl template prepared once; ``render(context)`` gives the bytes of a .docx."""

    def __init__(self, path: Path, environment: jinja2.Environment | None = None) -> None:
        self.path = path
        self.name = path.name
        environment = environment or make_environment()
        try:
            with zipfile.ZipFile(path) as package:
                self.entries = [(info, package.read(info)) for info in package.infolist()]
        except (OSError, zipfile.BadZipFile) as failure:
            raise TemplateProblem(f"Không mở được mẫu văn bản {path}: {failure}") from None
        patcher = DocxTemplate(str(path))
        self.parts: list[Part] = []
        self.variables: set[str] = set()
        for info, data in self.entries:
            if not RENDERED_PARTS.fullmatch(info.filename):
                continue
            xml = data.decode("utf-8", errors="replace")
            try:
                problems = split_tags(xml)
            except etree.XMLSyntaxError as failure:
                raise TemplateProblem(
                    f"Mẫu văn bản {path} ({info.filename}) không phải XML hợp lệ: {failure}"
                ) from None
            if problems:
                raise TemplateProblem(
                    f"Mẫu văn bản {path} ({info.filename}) có thẻ bị tách thành nhiều đoạn "
                    f"định dạng: {'; '.join(problems)}. Trong Word, xóa cả thẻ rồi gõ lại một "
                    "lần liền mạch, không định dạng riêng từng phần."
                )
            source = re.sub(r"<w:p([ >])", r"\n<w:p\1", patcher.patch_xml(xml))
            try:
                parsed = environment.parse(source)
                compiled = environment.from_string(parsed)
            except jinja2.TemplateSyntaxError as failure:
                raise TemplateProblem(
                    f"Mẫu văn bản {path} ({info.filename}) có thẻ sai cú pháp: {failure.message}"
                ) from None
            unknown = _unknown_filters(environment, parsed)
            if unknown:
                raise TemplateProblem(
                    f"Mẫu văn bản {path} ({info.filename}) dùng bộ lọc hoặc phép thử không có: "
                    f"{', '.join(sorted(unknown))}"
                )
            self.variables |= meta.find_undeclared_variables(parsed)
            self.parts.append(Part(info.filename, compiled, "utf-8"))
        if not any(p.name == "word/document.xml" for p in self.parts):
            raise TemplateProblem(f"Mẫu văn bản {path} không có word/document.xml")
        self._patcher = patcher

    def render(
        self, context: Mapping[str, Any], images: Mapping[str, bytes] | None = None
    ) -> bytes:
        """The .docx for ``context``; ``images`` replace media entries by zip name."""
        missing = self.variables - context.keys()
        if missing:
            raise self._missing(sorted(missing)[0])
        rendered = {}
        for part in self.parts:
            try:
                xml = part.template.render(context)
            except jinja2.UndefinedError as failure:
                match = UNDEFINED_NAME.search(str(failure.message))
                name = next((g for g in match.groups() if g), "?") if match else "?"
                raise self._missing(name) from None
            except jinja2.TemplateError as failure:
                raise TemplateProblem(
                    f"Mẫu văn bản {self.path} ({part.name}) lỗi khi soạn: {failure}"
                ) from None
            xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
            xml = (
                xml.replace("{_{", "{{")
                .replace("}_}", "}}")
                .replace("{_%", "{%")
                .replace("%_}", "%}")
                .replace(GUARD, "")
            )
            xml = self._patcher.resolve_listing(xml)
            data = xml.encode(part.encoding)
            try:
                etree.fromstring(data)
            except etree.XMLSyntaxError as failure:
                raise TemplateProblem(
                    f"Mẫu văn bản {self.path} ({part.name}) sinh ra XML hỏng: {failure}"
                ) from None
            rendered[part.name] = data
        for name, data in (images or {}).items():
            rendered[name] = data
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
            for info, data in self.entries:
                package.writestr(info, rendered.get(info.filename, data))
        return buffer.getvalue()

    def _missing(self, name: str) -> TemplateProblem:
        return TemplateProblem(
            f"Mẫu văn bản {self.path} dùng biến '{name}' mà chương trình không cung cấp "
            "(xem danh sách biến của mẫu trong README)."
        )


_worker_template: CompiledTemplate | None = None


def _start_worker(path: Path) -> None:
    global _worker_template
    _worker_template = CompiledTemplate(path)


def _render_in_worker(context: Mapping[str, Any]) -> bytes:
    assert _worker_template is not None
    return _worker_template.render(context)


def render_many(
    template: CompiledTemplate,
    contexts: Sequence[Mapping[str, Any]],
    processes: int | None = None,
) -> Iterator[bytes]:
    """Render many documents of one template, in order. Many are spread over ``processes``
    worker processes (default: one per core), each compiling the template once; few are
    rendered here, where starting processes would cost more than it saves."""
    return spread(
        template.render, contexts, _render_in_worker, _start_worker, (template.path,), processes
    )

"""Reading a plan's YAML text into plain data, remembering the line of every key and item.

Every scalar is kept as the text the user typed (only ``null``/``~``/empty become ``None``):
the schema decides what is a number or a date, so YAML 1.1 surprises (``no`` becoming
``False``, ``010`` becoming 8, a 30th of February crashing the date parser) cannot happen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from flows.errors import PlanProblem

Path = tuple[str | int, ...]

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")


@dataclass
class Source:
    """Parsed plan data plus the 1-based line of each path (a key's line, an item's line)."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line_of(self, path: Path) -> int | None:
        """The line of ``path``, or of its nearest ancestor that exists."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def format_path(path: Path) -> str:
    """``('milestones', 1, 'due')`` -> ``milestones[1].due``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.lines: dict[Path, int] = {}
        self.problems: list[PlanProblem] = []

    def build(self, node: Node, path: Path) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, ScalarNode):
            if not node.style and _NULL.match(node.value):  # plain: None, or "" from libyaml
                return None
            return node.value
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self.build_mapping(node, path)
        raise TypeError(f"unexpected YAML node {node!r}")  # pragma: no cover

    def build_mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    PlanProblem(
                        self.file,
                        line,
                        format_path(path),
                        "không dùng '<<' (gộp khóa) trong kế hoạch; hãy viết đầy đủ",
                    )
                )
                continue
            if not isinstance(key_node, ScalarNode):
                self.problems.append(
                    PlanProblem(self.file, line, format_path(path), "tên khóa phải là một chữ")
                )
                continue
            key = key_node.value
            if key in result:
                self.problems.append(
                    PlanProblem(
                        self.file,
                        line,
                        format_path((*path, key)),
                        f"khóa '{key}' bị lặp lại (đã có ở dòng {self.lines[(*path, key)]})",
                    )
                )
                continue
            self.lines[(*path, key)] = line
            result[key] = self.build(value_node, (*path, key))
        return result


_YAML_PROBLEMS = (
    (
        "found character '\\t' that cannot start any token",
        "có ký tự Tab; YAML chỉ dùng dấu cách để thụt lề, hãy thay Tab bằng dấu cách",
    ),
    (
        "mapping values are not allowed here",
        "thụt lề sai hoặc thiếu dấu cách sau ':' (mỗi cấp thụt vào bằng dấu cách, sau ':' cần "
        "một dấu cách; nếu giá trị có ':' hãy đặt trong ngoặc kép)",
    ),
    ("did not find expected key", "thụt lề sai: dòng này không thẳng hàng với các khóa cùng cấp"),
    (
        "did not find expected '-' indicator",
        "thụt lề sai: các mục của danh sách phải thẳng hàng và bắt đầu bằng '- '",
    ),
    (
        "expected <block end>, but found '-'",
        "thụt lề sai: mục '- ' này không thẳng hàng với các mục cùng danh sách",
    ),
    ("expected <block end>", "thụt lề sai: dòng này không thẳng hàng với các dòng cùng cấp"),
    ("found unexpected end of stream", 'thiếu dấu ngoặc kép đóng (") ở cuối giá trị'),
    ("found undefined alias", "dùng '*tên' nhưng chưa khai báo '&tên'"),
    (
        "found unknown escape character",
        "ký tự '\\' không hợp lệ trong chuỗi ngoặc kép; dùng ngoặc đơn ' ' hoặc viết '\\\\'",
    ),
    (
        "could not find expected ':'",
        "thiếu dấu ':' sau tên khóa, hoặc chuỗi ngoặc kép chưa được đóng",
    ),
    ("found unacceptable character", "tệp có ký tự không đọc được (hãy lưu tệp dạng UTF-8)"),
    ("expected ',' or ']'", "danh sách trong ngoặc [ ] thiếu dấu ',' giữa các mục hoặc thiếu ']'"),
    ("expected ',' or '}'", "nhóm trong ngoặc { } thiếu dấu ',' giữa các mục hoặc thiếu '}'"),
    (
        "expected alphabetic or numeric character",
        "sau '&' hoặc '*' phải là một tên; nếu đây là chữ thường, "
        "hãy đặt cả giá trị trong ngoặc kép",
    ),
    ("second occurrence", "tên '&...' được khai báo hai lần"),
    ("expected the node content", "giá trị không hợp lệ; hãy đặt giá trị trong ngoặc kép"),
    (
        "sequence entries are not allowed here",
        "thụt lề sai: mục '- ' không được đặt ở đây (cần xuống dòng và thụt vào dưới khóa)",
    ),
    (
        "expected '<document start>'",
        "thụt lề sai: dòng này phải bắt đầu sát lề trái như các phần khác của kế hoạch",
    ),
)


_FLOW_START = re.compile(r"(?::|^\s*-)\s+[\[{]")
_FLOW_HINT = (
    "giá trị bắt đầu bằng '{' hoặc '[' nhưng không phải danh sách hay nhóm viết gọn hợp lệ; "
    "nếu đây là chữ (ví dụ '{unit} ...'), hãy đặt cả giá trị trong ngoặc kép"
)


def _yaml_problem(file: str, error: yaml.MarkedYAMLError, text: str) -> PlanProblem:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or ""
    message = f"lỗi cú pháp YAML: {problem}"
    for english, vietnamese in _YAML_PROBLEMS:
        if problem.startswith(english):
            message = vietnamese
            break
    if mark is None:
        return PlanProblem(file, None, "", message)
    line, column = mark.line + 1, mark.column + 1
    marks = [m for m in (error.context_mark, error.problem_mark) if m is not None]
    source_lines = text.splitlines()
    if any(m.line < len(source_lines) and _FLOW_START.search(source_lines[m.line]) for m in marks):
        message = _FLOW_HINT
    return PlanProblem(file, line, "", f"cột {column}: {message}", column=column)


class _Loader(yaml.SafeLoader):
    """A safe loader that notes every anchor (``&a``) and alias (``*a``) it meets."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.marked: list[tuple[int, int]] = []

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            self.marked.append((event.start_mark.line + 1, event.start_mark.column + 1))
        return super().compose_node(parent, index)


def _code(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character)


def _compose_fast(text: str) -> tuple[Node, list[tuple[int, int]]] | None:
    """The node tree by libyaml (ten times faster: seconds for a national plan), with the
    anchors and aliases met; ``None`` when libyaml is missing, the text is empty or broken:
    then Python composes it again and says what is wrong in the words staff know."""
    if not yaml.__with_libyaml__:
        return None
    try:
        marked = []
        if "&" in text or "*" in text:  # cron fields have '*': look at the events
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                mark = event.start_mark
                if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                    marked.append((mark.line + 1, mark.column + 1) if mark else (1, 1))
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    return (node, marked) if node is not None else None


def parse_yaml(text: str, file: str) -> tuple[Source | None, list[PlanProblem]]:
    """Parse ``text``; return the source (``None`` when unreadable) and the problems seen."""
    fast = _compose_fast(text)
    try:
        loader = _Loader(text if fast is None else "")
        try:
            node = loader.get_single_node() if fast is None else fast[0]
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        return None, [_yaml_problem(file, error, text)]
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        return None, [
            PlanProblem(
                file,
                line,
                "",
                f"có ký tự điều khiển không được phép (mã U+{_code(error.character):04X})",
            )
        ]
    except yaml.YAMLError as error:  # pragma: no cover - every YAML error above has a mark
        return None, [PlanProblem(file, None, "", f"lỗi cú pháp YAML: {error}")]
    if node is None:
        return None, [PlanProblem(file, None, "", "tệp kế hoạch trống")]
    builder = _Builder(file)
    data = builder.build(node, ())
    anchors = [
        PlanProblem(
            file,
            line,
            "",
            f"cột {column}: không dùng '&tên' hay '*tên' trong kế hoạch; "
            "nếu đây là chữ, hãy đặt cả giá trị trong ngoặc kép",
            column=column,
        )
        for line, column in (loader.marked if fast is None else fast[1])
    ]
    return Source(file, data, builder.lines), anchors + builder.problems

"""Turning pydantic's validation errors into Vietnamese messages that name the key."""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from flows.plan.types import ERROR_TYPE

_GROUP = "cần một nhóm khóa con (mỗi dòng 'khóa: giá trị', thụt vào)"
_LIST = "cần một danh sách (mỗi mục một dòng bắt đầu bằng '- ')"
_SIMPLE: dict[str, str] = {
    "string_type": "cần một giá trị chữ, không phải danh sách hay nhóm khóa",
    "list_type": _LIST,
    "model_type": _GROUP,
    "model_attributes_type": _GROUP,
    "dict_type": _GROUP,
    "int_parsing": "{input} không phải số nguyên",
    "int_from_float": "{input} phải là số nguyên",
    "int_type": "{input} không phải số nguyên",
    "float_parsing": "{input} không phải số",
    "float_type": "{input} không phải số",
    "bool_parsing": "{input} không hợp lệ; cần true (có) hoặc false (không)",
    "bool_type": "{input} không hợp lệ; cần true (có) hoặc false (không)",
    "greater_than": "{input} phải lớn hơn {gt}",
    "greater_than_equal": "{input} phải lớn hơn hoặc bằng {ge}",
    "less_than": "{input} phải nhỏ hơn {lt}",
    "less_than_equal": "{input} phải nhỏ hơn hoặc bằng {le}",
    "string_too_short": "không được để trống",
}


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if isinstance(value, dict):
        return "nhóm khóa"
    if isinstance(value, list):
        return "danh sách"
    return repr(value)


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional around a type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


def model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model class found at ``loc`` below ``root``, if there is one."""
    current: Any = root
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            if get_origin(current) is not list:
                return None
            current = get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        else:
            return None
    current = _unwrap(current)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def translate(
    error: ErrorDetails, root: type[BaseModel], loc: tuple[int | str, ...] | None = None
) -> str:
    """The Vietnamese message for one pydantic error at ``loc`` (default: its own) in ``root``."""
    kind, value = error["type"], error.get("input")
    loc = error["loc"] if loc is None else loc
    context = error.get("ctx") or {}
    if kind == ERROR_TYPE:
        return error["msg"]
    if kind == "missing":
        return f"thiếu khóa bắt buộc '{loc[-1]}'"
    if kind == "extra_forbidden":
        return unknown_key(str(loc[-1]), model_at(root, loc[:-1]))
    if kind == "too_short":
        return f"danh sách cần ít nhất {context.get('min_length')} mục"
    if kind == "literal_error":
        expected = str(context.get("expected", "")).replace(" or ", ", ")
        return f"{_shown(value)} không hợp lệ; chọn một trong: {expected}"
    if value is None:
        return "chưa điền giá trị"
    if kind == "string_type" and isinstance(value, dict):
        return (
            "cần một giá trị chữ; nếu giá trị có dấu ': ' (ví dụ 'Lưu: VT') hoặc bắt đầu bằng "
            "'{' hay '[', hãy đặt cả giá trị trong ngoặc kép"
        )
    template = _SIMPLE.get(kind)
    if template is None:
        return f"giá trị {_shown(value)} không hợp lệ ({error['msg']})"
    return template.format(input=_shown(value), **context)


def closest(value: str, choices: Iterable[str]) -> str | None:
    """The choice ``value`` was probably meant to be: one that differs only in letter case
    (``m1`` for ``M1``), else the closest by ``difflib`` with case ignored."""
    folded: dict[str, str] = {}
    for choice in sorted(set(choices)):
        folded.setdefault(choice.casefold(), choice)
    same = folded.get(value.casefold())
    if same is not None:
        return same if same != value else None
    close = difflib.get_close_matches(value.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[close[0]] if close else None


def unknown_key(key: str, model: type[BaseModel] | None) -> str:
    message = f"khóa '{key}' không có trong mẫu kế hoạch"
    if model is None:
        return message
    allowed = list(model.model_fields)
    close = closest(key, allowed)
    if close:
        return f"{message}; có phải '{close}'?"
    return f"{message}; các khóa được dùng ở đây: {', '.join(allowed)}"

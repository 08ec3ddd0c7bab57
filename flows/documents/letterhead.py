"""What every document shares: the letterhead, the dates as Vietnamese write them, the
"Nơi nhận" list and the signature block (Nghị định 30/2020, Phụ lục I)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flows.plan import Plan
from flows.plan.schema import DocumentKind

# Space left for the number the office writes by hand (the document number is theirs to set).
NUMBER_SPACE = " " * 8
DEFAULT_RECIPIENTS = ["Như kính gửi", "Lưu: VT"]
DEFAULT_SUBMIT_TO = "thư mục nhận tệp chung của Ban Thường trực"


def place_date(place: str, day: date) -> str:
    """``Hà Nội, ngày 05 tháng 9 năm 2017``: a leading zero for days below 10 and for
    months 1 and 2 (Nghị định 30/2020)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def short_date(day: date | None) -> str:
    """``20/03/2017``, or an empty string."""
    return f"{day:%d/%m/%Y}" if day else ""


def recipient_lines(items: list[str]) -> str:
    """The "Nơi nhận" list: ``- X;`` per line, the last ending with a full stop."""
    cleaned = [item.strip().rstrip(";.").strip() for item in items if item.strip()]
    lines = [f"- {item};" for item in cleaned]
    if lines:
        lines[-1] = lines[-1][:-1] + "."
    return "\n".join(lines)


def letterhead(plan: Plan, kind: DocumentKind, as_of: date) -> dict[str, Any]:
    """The variables every template uses, for a document of ``kind`` dated ``as_of``."""
    issuer = plan.issuer
    # A kind without its own settings (feedback, often) numbers and lists like the letters.
    settings = issuer.documents.get(kind) or issuer.documents.get("reminder")
    symbol = f"/{settings.symbol}" if settings else ""
    return {
        "org_parent": "\n".join(line.upper() for line in issuer.parent),
        "org_name": issuer.name.upper(),
        "issuer_in_text": issuer.in_text or issuer.name.capitalize(),
        "number": f"Số:{NUMBER_SPACE}{symbol}",
        "place_date": place_date(issuer.place, as_of),
        "recipients": recipient_lines(settings.recipients if settings else DEFAULT_RECIPIENTS),
        "signer_authority": issuer.signer.authority.upper(),
        "signer_title": issuer.signer.title.upper(),
        "signer_name": issuer.signer.name or "",
        "campaign_title": plan.campaign.title,
        "campaign_reference": plan.campaign.reference or "",
        "as_of": short_date(as_of),
    }


def letter_context(plan: Plan, kind: DocumentKind, as_of: date) -> dict[str, Any]:
    """The letterhead plus what letters add: where to send files and whom to ask."""
    submit_to = plan.issuer.submit_to or DEFAULT_SUBMIT_TO
    return letterhead(plan, kind, as_of) | {
        "drop_folder": (
            "Tệp bảng tính (Excel .xlsx hoặc .xls, LibreOffice .ods, hoặc .csv) xin gửi vào "
            f"{submit_to}; mỗi tệp theo đúng biểu mẫu, giữ nguyên tên các cột."
        ),
        "department": plan.issuer.department or "",
    }

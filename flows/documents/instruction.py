"""What the sender of a flawed file is asked to do: where to correct it and what to send back.

The feedback letter and the marked copy of the workbook (in the note above its list of
issues) both give this instruction, in these words, so the two never contradict each other.
A marked copy may be corrected and sent back as it is: the intake reads its data sheets and
skips the list of issues (no form has its columns), and a later marked copy removes the
earlier marks. The sender's own file does as well, and keeps whatever the copy lost (an .ods,
.xls or .csv comes back as an .xlsx holding only the values).
"""

from __future__ import annotations


def correct_and_resend(marked: str | None) -> str:
    """Where to correct the file and what to send back: the end of a sentence whose verb
    ("sửa …") comes first."""
    if marked is None:
        return "ngay trong tệp của đơn vị, lưu lại rồi gửi lại cả tệp"
    return (
        f"ngay trên bản sao đã đánh dấu “{marked}” (hoặc trên tệp gốc của đơn vị), lưu lại rồi "
        "gửi lại cả tệp; không cần xóa phần đánh dấu"
    )


def resend_instruction(status: str, marked: str | None) -> str:
    """The instruction for a file judged ``status`` ("rejected", "accepted" or "duplicate")
    whose marked copy is named ``marked`` (``None`` when there is none)."""
    how = correct_and_resend(marked)
    if status == "rejected":
        return f"Tệp chưa được tiếp nhận. Đề nghị đơn vị sửa các lỗi {how}."
    if status == "duplicate":
        return (
            "Không cần gửi lại tệp này. Trường hợp cần điều chỉnh số liệu, đề nghị đơn vị "
            f"sửa {how}."
        )
    return (
        "Tệp đã được tiếp nhận. Đề nghị đơn vị rà soát các nội dung cần lưu ý; trường hợp cần "
        f"điều chỉnh số liệu, sửa {how}."
    )

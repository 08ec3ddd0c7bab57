"""Which form a file is: the marker of a blank form (``mohinh forms``) first, else its header.

A marker is taken as a claim, not as truth: the table must still match the form's header, and
a marker that disagrees with the content (another plan, another form, an older version of the
form, another site's data) becomes a warning naming both, while the content decides.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flows import marker as markers
from flows.intake.issues import Issue, warning
from flows.intake.sheet import Sheet
from flows.intake.table import Table, find_table
from flows.intake.validate import Submission
from flows.marker import Marker
from flows.plan import Plan
from flows.plan.schema import Milestone


@dataclass
class Identified:
    """The table found (or why none), the form's marker and the milestone it names."""

    table: Table | Issue
    marker: Marker | None = None
    milestone: Milestone | None = None
    issues: list[Issue] = field(default_factory=list)


def take_marker(sheets: list[Sheet]) -> tuple[Marker | None, list[Sheet]]:
    """The marker on a form's hidden sheet, and the other sheets."""
    for sheet in sheets:
        if sheet.name == markers.SHEET and (found := markers.from_rows(sheet.rows)):
            return found, [s for s in sheets if s is not sheet]
    return None, sheets  # a sheet of that name that holds no marker is the sender's own


def identify(
    plan: Plan, sheets: list[Sheet], properties: Marker | None, header_rows: int
) -> Identified:
    """Find the table, by the marker's form when the file has one (on its hidden sheet, else
    in its custom ``properties``)."""
    marker, sheets = take_marker(sheets)
    marker = marker or properties
    if marker is None:
        return Identified(find_table(sheets, plan.forms, header_rows))
    form = plan.form_by_id(marker.form) if marker.plan == plan.campaign.id else None
    if form is None:
        whose = "không còn trong kế hoạch này"
        if marker.plan != plan.campaign.id:
            whose = f"của kế hoạch khác ('{marker.plan}')"
        notice = warning(
            "form_not_in_plan",
            f"Tệp là biểu mẫu '{marker.form}' {whose}; đã đối chiếu theo tên cột.",
        )
        return Identified(find_table(sheets, plan.forms, header_rows), issues=[notice])
    issues = []
    if marker.version != form.version:
        issues.append(
            warning(
                "old_form_version",
                f"Tệp dùng biểu mẫu '{form.title}' phiên bản {marker.version}, khác phiên bản "
                f"hiện hành ({form.version}). Lần sau xin dùng biểu mẫu mới nhất.",
            )
        )
    table = find_table(sheets, [form], header_rows)
    if isinstance(table, Issue):
        other = find_table(sheets, plan.forms, header_rows)
        if isinstance(other, Table) and other.form.id != form.id:
            issues.append(
                warning(
                    "marker_mismatch",
                    f"Tệp là biểu mẫu '{form.title}' nhưng nội dung theo mẫu "
                    f"'{other.form.title}'; đã kiểm tra theo nội dung.",
                )
            )
            table = other
    milestone = next(
        (
            m
            for m in plan.milestones
            if m.id == marker.milestone and isinstance(table, Table) and m.form == table.form.id
        ),
        None,
    )
    return Identified(table, marker, milestone, issues)


def site_mismatches(plan: Plan, marker: Marker, table: Table, found: Submission) -> list[Issue]:
    """A warning for every record of a site other than the one the form was made for."""
    meant = plan.site_by_id(marker.site)
    if meant is None or table.form.id != marker.form:
        return []
    column = table.column_of(table.form.site_key or "")
    issues = []
    for record in found.records:
        if record.site == marker.site:
            continue
        other = plan.site_by_id(record.site)
        issues.append(
            warning(
                "marker_mismatch",
                f"Biểu mẫu này soạn cho {plan.site_name(meant)} nhưng ghi số liệu của "
                f"{plan.site_name(other) if other else record.site}; đã nhận theo nội dung.",
                sheet=table.sheet.name or None,
                row=record.row,
                column=column,
                value=str(table.sheet.value(record.row, column or 0) or "") or None,
            )
        )
    return issues

"""The ``mohinh`` command line: thin adapters over the core, messages in Vietnamese."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.errors import MohinhError, PlanError
from flows.plan import Plan, load_plan

DEFAULT_PLAN = Path("config/plan.yaml")
EXIT_INVALID = 2

app = typer.Typer(
    help="mohinh: theo dõi kế hoạch nhân rộng mô hình, nhận biểu mẫu, soạn văn bản.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
plan_app = typer.Typer(help="Kiểm tra và xem kế hoạch (tệp YAML).", no_args_is_help=True)
app.add_typer(plan_app, name="plan")

PlanPath = Annotated[Path, typer.Argument(help="Tệp kế hoạch YAML.", show_default=True)]


def _console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def _load(path: Path) -> Plan:
    """Load the plan or exit 2 with every problem, one per line."""
    try:
        return load_plan(path)
    except PlanError as error:
        err = _console(stderr=True)
        for problem in error.problems:
            err.print(str(problem), markup=False)
        err.print(f"Kế hoạch có {len(error.problems)} lỗi, chưa dùng được.", markup=False)
        raise typer.Exit(EXIT_INVALID) from None
    except MohinhError as error:  # pragma: no cover - other stops carry their own text
        _console(stderr=True).print(str(error), markup=False)
        raise typer.Exit(1) from None


def summary(plan: Plan) -> str:
    """One line saying what a valid plan holds."""
    due = [m.due for m in plan.milestones]
    return (
        f"Kế hoạch hợp lệ: {plan.campaign.id} — {len(plan.models)} mô hình, "
        f"{len(plan.sites)} điểm, {len(plan.milestones)} mốc "
        f"({min(due):%d/%m/%Y} → {max(due):%d/%m/%Y}), {len(plan.forms)} biểu mẫu, "
        f"{len(plan.units.walk())} đơn vị hành chính."
    )


@plan_app.command("check")
def plan_check(path: PlanPath = DEFAULT_PLAN) -> None:
    """Kiểm tra kế hoạch: in một dòng tóm tắt nếu hợp lệ, hoặc mọi lỗi (mỗi lỗi một dòng)."""
    plan = _load(path)
    _console().print(summary(plan), markup=False)


@plan_app.command("show")
def plan_show(path: PlanPath = DEFAULT_PLAN) -> None:
    """Xem kế hoạch: các mô hình, các điểm và mô hình được giao, các mốc và hạn nộp."""
    plan = _load(path)
    out = _console()
    out.print(f"[bold]{plan.campaign.title}[/bold]")
    out.print(summary(plan), markup=False)
    if plan.models:
        table = Table(title="Mô hình", title_justify="left")
        table.add_column("Mã")
        table.add_column("Tên mô hình")
        table.add_column("Số điểm", justify="right")
        for model in plan.models:
            count = sum(1 for s in plan.sites if s.model == model.code)
            table.add_row(model.code, model.name, str(count))
        out.print(table)
    table = Table(title="Điểm", title_justify="left")
    table.add_column("Mã")
    table.add_column("Đơn vị")
    if plan.models:
        table.add_column("Mô hình")
    table.add_column("Đơn vị cấp dưới")
    for site in plan.sites:
        row = [site.id, site.name or plan.unit_of(site).path]
        if plan.models:
            row.append(site.model or "")
        row.append("chọn khi đăng ký" if site.choose_child else "")
        table.add_row(*row)
    out.print(table)
    table = Table(title="Mốc", title_justify="left")
    for header in ("Mã", "Tên mốc", "Hạn nộp", "Biểu mẫu", "Số điểm phải nộp"):
        table.add_column(header)
    for milestone in plan.milestones:
        table.add_row(
            milestone.id,
            milestone.name + (" (đăng ký)" if milestone.registration else ""),
            f"{milestone.due:%d/%m/%Y}",
            milestone.form,
            str(len(plan.sites_of(milestone))),
        )
    out.print(table)


def main() -> None:
    """Entry point used by ``python -m flows``."""
    app()

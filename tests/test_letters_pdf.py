"""Letters ready to sign: in the PDF LibreOffice makes of every reminder letter and every
feedback letter of both shipped plans, the page holding the signature also holds the end of
the letter's body. A last page with only "Nơi nhận" and the signer would have to be fixed by
hand before signing.

The letters are the ones the worked campaigns of ``tests/campaigns.py`` write, and longer ones
rendered from their contexts: a campaign's longest reminder listing 1 to N items, and the
feedback on a rejected file listing 1 to N issues (the campaign's own issues, in turn), so
that the page break falls at every height of the letter's closing. One soffice run
converts them all; pdftotext reads each page.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flows.documents import service
from flows.documents.feedback import feedback_context
from flows.documents.letterhead import letterhead
from flows.documents.letters import build_letters
from flows.documents.pdf import convert, soffice
from flows.documents.render import CompiledTemplate
from flows.documents.service import TEMPLATE_FILES, TEMPLATES
from flows.documents.status import Evidence, build_matrix, reminders_due
from flows.intake.ledger import Ledger
from flows.names import safe_name
from flows.plan import Plan
from flows.plan.schema import DocumentKind
from tests import campaigns
from tests.campaigns import Campaign

pytestmark = pytest.mark.slow

MOST_ITEMS = 12  # a reminder item is 2-4 lines: 12 of them fill more than a page
MOST_ISSUES = 18  # an issue's row in the table is 2-6 lines


@dataclass(frozen=True)
class Letter:
    """A rendered letter, and the first line of its signature block."""

    name: str
    docx: Path
    signer: str

    def pages(self, pdftotext: str) -> list[str]:
        """The text of each page of the letter's PDF copy."""
        pdf = self.docx.with_suffix(".pdf")
        text = subprocess.run(
            [pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
        ).stdout.decode()
        return text.split("\f")[:-1]  # pdftotext ends every page with a form feed


def required(program: str | None, what: str) -> str:
    """``program``'s path; without it the test is skipped, or fails in CI
    (MOHINH_REQUIRE_LIBREOFFICE=1), as the ``libreoffice`` fixture does."""
    if program is None:
        if os.environ.get("MOHINH_REQUIRE_LIBREOFFICE"):
            pytest.fail(f"{what} is required here but is not on PATH")
        pytest.skip(f"{what} is not installed")
    return program


@pytest.fixture(scope="module")
def pdftotext() -> str:
    """pdftotext (poppler-utils), which CI installs with LibreOffice."""
    return required(shutil.which("pdftotext"), "pdftotext (poppler-utils)")


def rendered(
    folder: Path, kind: DocumentKind, name: str, contexts: list[dict[str, Any]]
) -> Iterator[Letter]:
    template = CompiledTemplate(TEMPLATES / TEMPLATE_FILES[kind])
    for number, context in enumerate(contexts, start=1):
        path = folder / f"{name}-{number:02d}.docx"
        path.write_bytes(template.render(context))
        yield Letter(f"{name} {number}", path, context["signer_authority"])


def longer_reminders(campaign: Campaign, ledger: Ledger, folder: Path) -> Iterator[Letter]:
    """The campaign's longest reminder letter listing 1 to MOST_ITEMS of its items in turn."""
    plan, day = campaign.plan, campaign.as_of
    matrix = build_matrix(plan, Evidence.from_ledger(ledger, values=False), day)
    letters = build_letters(plan, matrix, reminders_due(plan, matrix, set()))
    longest = max(letters, key=lambda letter: len(letter.context["items"])).context
    items = longest["items"]
    contexts = [
        longest | {"items": [items[i % len(items)] for i in range(count)]}
        for count in range(1, MOST_ITEMS + 1)
    ]
    return rendered(folder, "reminder", "reminder-items", contexts)


def longer_feedback(campaign: Campaign, ledger: Ledger, folder: Path) -> Iterator[Letter]:
    """The feedback on the campaign's rejected file with the most issues, listing 1 to
    MOST_ISSUES issues (its own, then the campaign's others, in turn)."""
    files = ledger.files_with_status("rejected", "accepted")
    row, day = max(
        ((row, day) for row, day in files if row.status == "rejected"),
        key=lambda found: len(found[0].issues),
    )
    every = [issue for other, _ in files for issue in other.issues]
    issues = [*row.issues, *(issue for issue in every if issue not in row.issues)]
    marked = f"phan-hoi-{day:%Y-%m-%d}-{row.id}-{safe_name(Path(row.name).stem, 60)}.xlsx"
    contexts = [
        feedback_context(
            campaign.plan,
            dataclasses.replace(row, issues=[issues[i % len(issues)] for i in range(count)]),
            day,
            marked,
            day,
        )
        for count in range(1, MOST_ISSUES + 1)
    ]
    return rendered(folder, "feedback", "feedback-issues", contexts)


def written(campaign: Campaign) -> Iterator[Letter]:
    """Every reminder and feedback letter the campaign wrote, and its report."""
    plan = campaign.plan
    runs = [campaign.remind, campaign.report, *campaign.feedback]
    for item in (item for run in runs for item in run.written):
        if item.kind in TEMPLATE_FILES:
            signer = letterhead(plan, item.kind, campaign.as_of)["signer_authority"]  # type: ignore[arg-type]
            yield Letter(item.path, campaign.outbox / item.path, signer)


@pytest.fixture(scope="module")
def letters(
    tmp_path_factory: pytest.TempPathFactory, hai_duong: Plan, dong_ha: Plan, pdftotext: str
) -> list[Letter]:
    """Every letter of both plans' campaigns and the longer ones, with their PDF copies
    (checked for LibreOffice first: the campaigns take a minute to work)."""
    required(soffice(), "LibreOffice (soffice)")
    folder = tmp_path_factory.mktemp("letters")
    worked = [
        campaigns.hai_duong_campaign(hai_duong, folder / "hai-duong"),
        campaigns.dong_ha_campaign(dong_ha, folder / "dong-ha"),
    ]
    found: list[Letter] = []
    for campaign in worked:
        found += written(campaign)
        longer = campaign.root / "longer"
        longer.mkdir()
        with service.open_ledger(campaign.plan, campaign.root / "state", None) as ledger:
            found += longer_reminders(campaign, ledger, longer)
            found += longer_feedback(campaign, ledger, longer)
    converted, problems = convert([letter.docx for letter in found])
    assert problems == []
    assert set(converted) == {letter.docx for letter in found}
    return found


def test_the_set_holds_every_kind_of_letter_of_both_plans(letters: list[Letter]) -> None:
    for plan in ("hai-duong", "dong-ha"):
        names = [letter.name for letter in letters if f"/{plan}/" in str(letter.docx)]
        assert sum("/cong-van-" in n for n in names) >= 1, plan
        assert sum("/phan-hoi-" in n for n in names) >= 1, plan
        assert sum(n.startswith("reminder-items") for n in names) == MOST_ITEMS, plan
        assert sum(n.startswith("feedback-issues") for n in names) == MOST_ISSUES, plan


def test_the_signature_is_never_alone_on_its_page(letters: list[Letter], pdftotext: str) -> None:
    """The page holding "Nơi nhận" and the signer is the last one, and it holds the end of the
    letter's body too (its last sentence ends with "./.")."""
    alone = []
    for letter in letters:
        pages = letter.pages(pdftotext)
        signed = [number for number, text in enumerate(pages, start=1) if "Nơi nhận:" in text]
        assert signed == [len(pages)], (letter.name, signed, len(pages))
        last = pages[-1]
        assert letter.signer in last, letter.name
        if "./." not in last:
            alone.append(f"{letter.name}: trang {len(pages)}")
    assert alone == []

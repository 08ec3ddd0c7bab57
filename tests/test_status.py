"""The status engine: states of (site, milestone) on a day, and the reminders due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flows.documents.status import (
    Evidence,
    Refused,
    build_matrix,
    levels,
    reminders_due,
    simulate,
)
from flows.intake.ledger import StoredRecord
from flows.plan import Plan


def record(
    site: str, milestone: str, day: date, version: int = 1, **values: object
) -> StoredRecord:
    return StoredRecord(site, milestone, version, day, dict(values), f"{site}.xlsx", True)


def states(plan: Plan, evidence: Evidence, day: date, milestone: str) -> dict[str, str]:
    matrix = build_matrix(plan, evidence, day)
    return {row.site.id: row.cells[milestone].state for row in matrix.rows}


def test_every_state_on_the_default_plan(hai_duong: Plan) -> None:
    evidence = Evidence(
        [
            record("cam-giang", "dang-ky", date(2017, 3, 15)),
            record("gia-loc", "dang-ky", date(2017, 3, 25)),
        ],
        [Refused(["kinh-mon"], "dang-ky", date(2017, 3, 18), "kinh-mon.xlsx")],
    )
    assert states(hai_duong, evidence, date(2017, 3, 1), "dang-ky")["tu-ky"] == "not_due"
    assert states(hai_duong, evidence, date(2017, 3, 13), "dang-ky")["tu-ky"] == "due_soon"
    assert states(hai_duong, evidence, date(2017, 3, 20), "dang-ky")["tu-ky"] == "due_soon"
    on_day = states(hai_duong, evidence, date(2017, 3, 26), "dang-ky")
    assert (on_day["cam-giang"], on_day["gia-loc"]) == ("submitted", "late")
    assert (on_day["kinh-mon"], on_day["tu-ky"]) == ("rejected", "overdue")
    # Evidence from after the day does not count: on 17/3 Kinh Môn had sent nothing yet.
    assert states(hai_duong, evidence, date(2017, 3, 17), "dang-ky")["kinh-mon"] == "due_soon"
    assert states(hai_duong, evidence, date(2017, 3, 17), "dang-ky")["gia-loc"] == "due_soon"


def test_a_corrected_resend_keeps_the_first_received_day(hai_duong: Plan) -> None:
    evidence = Evidence(
        [
            record("cam-giang", "dang-ky", date(2017, 3, 15), 1, so_ho=10),
            record("cam-giang", "dang-ky", date(2017, 3, 30), 2, so_ho=12),
        ]
    )
    cell = build_matrix(hai_duong, evidence, date(2017, 4, 1)).cell("cam-giang", "dang-ky")
    assert cell is not None
    assert (cell.state, cell.received, cell.values) == (
        "submitted",
        date(2017, 3, 15),
        {"so_ho": 12},
    )


def test_json_shape(dong_ha: Plan) -> None:
    evidence = Evidence([record("p1", "so-ket-3-nam", date(2018, 6, 8))])
    data = build_matrix(dong_ha, evidence, date(2018, 6, 12)).as_dict()
    assert data["as_of"] == "2018-06-12"
    assert data["plan"] == "dong-ha-2018-so-ket-cvd"
    assert len(data["sites"]) == len(dong_ha.sites)
    first = data["sites"][0]
    assert first == {
        "id": "p1",
        "name": "Phường 1",
        "model": None,
        "milestones": {
            "so-ket-3-nam": {"state": "submitted", "due": "2018-06-10", "received": "2018-06-08"}
        },
    }
    assert data["sites"][1]["milestones"]["so-ket-3-nam"]["state"] == "overdue"


def test_levels_follow_the_policy(dong_ha: Plan) -> None:
    milestone = dong_ha.milestones[0]
    found = [(lv.key, lv.stage, lv.day) for lv in levels(dong_ha, milestone)]
    assert found == [
        ("truoc-5", "before", date(2018, 6, 5)),
        ("truoc-1", "before", date(2018, 6, 9)),
        ("sau-1", "after", date(2018, 6, 11)),
        ("sau-5", "final", date(2018, 6, 15)),
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2018, 6, 4), None),
        (date(2018, 6, 5), "truoc-5"),
        (date(2018, 6, 9), "truoc-1"),
        (date(2018, 6, 10), "truoc-1"),
        (date(2018, 6, 11), "sau-1"),
        (date(2018, 6, 14), "sau-1"),
        (date(2018, 6, 20), "sau-5"),
    ],
)
def test_the_latest_level_reached_is_due(dong_ha: Plan, day: date, expected: str | None) -> None:
    due = reminders_due(dong_ha, build_matrix(dong_ha, Evidence(), day), set())
    assert {r.level.key for r in due} == ({expected} if expected else set())
    assert len(due) == (len(dong_ha.sites) if expected else 0)


def test_a_reminder_goes_out_once_and_not_to_a_site_that_sent(dong_ha: Plan) -> None:
    evidence = Evidence([record("p2", "so-ket-3-nam", date(2018, 6, 10))])
    day = date(2018, 6, 11)
    first = reminders_due(dong_ha, build_matrix(dong_ha, evidence, day), set())
    assert "p2" not in {r.site for r in first}
    assert {r.key for r in first} >= {"reminder:p1:so-ket-3-nam:sau-1"}
    again = reminders_due(dong_ha, build_matrix(dong_ha, evidence, day), {r.key for r in first})
    assert again == []


def test_simulate_replays_the_days(dong_ha: Plan) -> None:
    evidence = Evidence(
        [record(s.id, "so-ket-3-nam", date(2018, 6, 12)) for s in dong_ha.sites[1:]]
    )
    days = simulate(dong_ha, evidence, date(2018, 6, 1), date(2018, 6, 30), set())
    sent = {day: sorted({r.level.key for r in due}) for day, due in days if due}
    assert sent == {
        date(2018, 6, 5): ["truoc-5"],
        date(2018, 6, 9): ["truoc-1"],
        date(2018, 6, 11): ["sau-1"],
        date(2018, 6, 15): ["sau-5"],
    }
    # Only Phường 1 is still owed once the others arrive on 12/6.
    assert {r.site for r in dict(days)[date(2018, 6, 15)]} == {"p1"}
    assert len(dict(days)[date(2018, 6, 11)]) == len(dong_ha.sites)


def test_a_first_run_long_after_the_due_date_sends_only_the_last_level(hai_duong: Plan) -> None:
    day = hai_duong.milestones[0].due + timedelta(days=40)
    due = reminders_due(hai_duong, build_matrix(hai_duong, Evidence(), day), set())
    registration = [r for r in due if r.milestone == "dang-ky"]
    assert {r.level.key for r in registration} == {"sau-15"}
    assert {r.level.stage for r in registration} == {"final"}

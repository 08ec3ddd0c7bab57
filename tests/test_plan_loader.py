"""flows.plan.loader: the shipped plans load; broken plans give exact Vietnamese messages."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows.errors import PlanError
from flows.plan import Plan, load_plan, load_plan_text
from tests.conftest import PLANS

P = "tests/data/plans/"


def problems_of(path: str | Path) -> list[str]:
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    return [str(p) for p in caught.value.problems]


def test_hai_duong_holds_the_seed_plan(hai_duong: Plan) -> None:
    assert [m.code for m in hai_duong.models] == ["BVMT", "ANTT", "NTM", "TTND", "VMVT"]
    assigned = {hai_duong.site_name(s): s.model for s in hai_duong.sites}
    assert assigned == {
        "Huyện Cẩm Giàng": "TTND",
        "Huyện Kinh Môn": "ANTT",
        "Huyện Bình Giang": "ANTT",
        "Huyện Kim Thành": "BVMT",
        "Huyện Thanh Miện": "BVMT",
        "Huyện Ninh Giang": "VMVT",
        "Huyện Thanh Hà": "VMVT",
        "Huyện Tứ Kỳ": "VMVT",
        "Huyện Nam Sách": "NTM",
        "Huyện Gia Lộc": "NTM",
    }
    assert all(s.choose_child for s in hai_duong.sites)
    assert [(m.id, m.due) for m in hai_duong.milestones] == [
        ("dang-ky", date(2017, 3, 20)),
        ("hoi-nghi", date(2017, 8, 31)),
        ("so-ket", date(2017, 8, 31)),
        ("bao-cao", date(2017, 11, 20)),
    ]
    assert [m.registration for m in hai_duong.milestones] == [True, False, False, False]
    final = hai_duong.form_by_id("bao-cao")
    assert final is not None
    assert {(r.milestone, r.column) for r in hai_duong.recognition.requires} == {
        ("bao-cao", "hinh_anh"),
        ("bao-cao", "xac_nhan_cap_uy"),
    }


def test_hai_duong_units_come_from_the_gazetteer(hai_duong: Plan) -> None:
    districts = hai_duong.units.children
    assert len(districts) == 12
    assert sum(len(d.children) for d in districts) == 265
    cam_giang = hai_duong.unit_of(hai_duong.sites[0])
    assert cam_giang.unit.code == "295"
    assert "Thị trấn Lai Cách" in [c.name for c in cam_giang.unit.children]


def test_dong_ha_is_another_shape(dong_ha: Plan) -> None:
    assert dong_ha.models == []
    assert len(dong_ha.sites) == 9
    assert not any(s.choose_child for s in dong_ha.sites)
    (milestone,) = dong_ha.milestones
    assert milestone.due == date(2018, 6, 10)
    form = dong_ha.form_by_id(milestone.form)
    assert form is not None
    numbered = [
        c.label.split(".")[0] for c in form.columns if c.label[:2] in {"1.", "2.", "3.", "4.", "5."}
    ]
    assert numbered == ["1", "2", "3", "4", "5"]
    assert dong_ha.issuer.signer.name == "Võ Thị Hoa Hằng"


def test_recipients_use_the_unit_name_in_running_text(hai_duong: Plan, dong_ha: Plan) -> None:
    assert hai_duong.recipient(hai_duong.sites[0]) == (
        "Ban Thường trực Ủy ban MTTQ Việt Nam huyện Cẩm Giàng"
    )
    assert dong_ha.recipient(dong_ha.sites[5]) == (
        "Ban Thường trực Ủy ban MTTQ Việt Nam phường Đông Giang"
    )


def test_minimal_plan_resolves_a_unit_code(minimal: Plan) -> None:
    assert minimal.site_name(minimal.sites[2]) == "Phường Hòa Bình"
    assert [s.id for s in minimal.sites_of(minimal.milestones[1])] == ["an-binh", "an-lac"]
    assert minimal.reminder_policy(minimal.milestones[0]).escalation == []
    assert minimal.campaign.timezone == "Asia/Ho_Chi_Minh"


BROKEN = {
    "bad-indent": [
        "10: cột 8: thụt lề sai hoặc thiếu dấu cách sau ':' (mỗi cấp thụt vào bằng dấu cách, "
        "sau ':' cần một dấu cách; nếu giá trị có ':' hãy đặt trong ngoặc kép)"
    ],
    "tab": [
        "11: cột 1: có ký tự Tab; YAML chỉ dùng dấu cách để thụt lề, hãy thay Tab bằng dấu cách"
    ],
    "unknown-key": [
        "44 milestones[0].due: thiếu khóa bắt buộc 'due'",
        "46 milestones[0].dua: khóa 'dua' không có trong mẫu kế hoạch; có phải 'due'?",
    ],
    "missing-title": ["3 campaign.title: thiếu khóa bắt buộc 'title'"],
    "bad-date": [
        "46 milestones[0].due: '2027-02-30' không phải ngày hợp lệ: tháng 2 năm 2027 chỉ có 28 ngày"
    ],
    "dmy-date": [
        "46 milestones[0].due: '15/3/2027' phải viết dạng YYYY-MM-DD, ở đây là 2027-03-15"
    ],
    "unknown-model": ["39 sites[1].model: mô hình 'M9' không có trong phần models (có: M1, M2)"],
    "duplicate-site": [
        "37 sites[1].id: mã điểm 'an-binh' bị trùng (đã dùng ở dòng 34)",
        "53 milestones[1].sites[1]: điểm 'an-lac' không có trong phần sites "
        "(có: an-binh, hoa-binh)",
    ],
    "unknown-form": [
        "52 milestones[1].form: biểu mẫu 'bao-cao-cuoi' không có trong phần forms; "
        "có phải 'bao-cao'?"
    ],
    "dates-out-of-order": [
        "51 milestones[1].due: hạn 2027-02-20 sớm hơn hạn của mốc trước 'dang-ky' "
        "(2027-03-15); các mốc phải xếp theo thứ tự thời gian"
    ],
    "unknown-unit": [
        "38 sites[1].unit: không tìm thấy đơn vị 'Xa An Lac' trong danh mục đơn vị (units); "
        "có phải 'Xã An Lạc'?"
    ],
    "missing-gazetteer": [
        f"29 units.gazetteer.file: {P}communes-2026.csv: không tìm thấy tệp danh mục đơn vị"
    ],
    "duplicate-key": ["48 milestones[0].due: khóa 'due' bị lặp lại (đã có ở dòng 46)"],
    "bad-cron": [
        "89 schedules.intake.cron: lịch '*/10 7-25 * *' cần đúng 5 phần cách nhau bằng dấu "
        "cách (phút giờ ngày tháng thứ), ví dụ '30 7 * * 1-5'"
    ],
    "bad-timezone": [
        "8 campaign.timezone: múi giờ 'Asia/Hanoi' không tồn tại (ví dụ đúng: Asia/Ho_Chi_Minh)"
    ],
    "bad-column-type": [
        "74 forms[1].columns[1].type: 'số' không hợp lệ; chọn một trong: 'text', 'integer', "
        "'number', 'date', 'yes-no', 'choice', 'unit', 'model', 'phone'"
    ],
    "rule-unknown-column": [
        "83 forms[1].rules[0].check: quy tắc nhắc tới cột 'so_ho_ky' không có trong biểu mẫu"
    ],
    "choice-without-choices": [
        "64 forms[0].columns[1].type: cột kiểu 'choice' cần danh sách 'choices'"
    ],
    "not-a-number": ["75 forms[1].columns[1].min: 'không' không phải số hay ngày YYYY-MM-DD"],
    "many-problems": [
        "39 sites[1].model: mô hình 'M9' không có trong phần models (có: M1, M2)",
        "40 sites[2].id: mã điểm 'an-binh' bị trùng (đã dùng ở dòng 34)",
        "46 milestones[0].due: '2027-02-30' không phải ngày hợp lệ: tháng 2 năm 2027 chỉ có "
        "28 ngày",
        "86 recognition.requires[0].milestone: mốc 'bao-cao-cuoi' không có trong phần "
        "milestones; có phải 'bao-cao'?",
    ],
    "list": [
        "1: kế hoạch phải gồm các phần 'khóa: giá trị' (campaign:, issuer:, units:, sites:...)"
    ],
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_plan_gives_exact_messages(in_root: Path, name: str) -> None:
    file = f"{P}plan-{name}.yaml"
    assert problems_of(file) == [f"{file}:{line}" for line in BROKEN[name]]


def test_every_broken_file_is_tested() -> None:
    files = {p.stem.removeprefix("plan-") for p in PLANS.glob("plan-*.yaml")}
    assert files == {*BROKEN, "empty"}


def test_file_level_problems(in_root: Path, tmp_path: Path) -> None:
    assert problems_of(f"{P}plan-empty.yaml") == [f"{P}plan-empty.yaml: tệp kế hoạch trống"]
    assert problems_of("config/missing.yaml") == [
        "config/missing.yaml: không tìm thấy tệp kế hoạch"
    ]
    assert problems_of("config") == ["config: đây là thư mục, không phải tệp"]
    latin1 = tmp_path / "plan.yaml"
    latin1.write_bytes("campaign:\n  id: x\n  title: K\xe9 ho\xe1ch\n".encode("latin-1"))
    (problem,) = problems_of(latin1)
    assert problem.endswith("plan.yaml:3: tệp không phải văn bản UTF-8; hãy lưu lại dạng UTF-8")


def test_a_bom_is_accepted(tmp_path: Path) -> None:
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    (tmp_path / "communes-2027.csv").write_bytes((PLANS / "communes-2027.csv").read_bytes())
    (tmp_path / "plan.yaml").write_text("\ufeff" + text, encoding="utf-8")
    assert load_plan(tmp_path / "plan.yaml").campaign.id == "tinh-mau-2027"


def minimal_text(*replacements: tuple[str, str]) -> str:
    text = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new, 1)
    return text


def messages(text: str) -> list[str]:
    with pytest.raises(PlanError) as caught:
        load_plan_text(text, "plan.yaml", PLANS)
    return [f"{p.line} {p.path}: {p.message}" for p in caught.value.problems]


def test_scalars_stay_text_whatever_yaml_1_1_thinks() -> None:
    plan = load_plan_text(
        minimal_text(
            ("  - code: M2\n", "  - code: '010'\n"),
            ("    model: M2\n", "    model: '010'\n"),
            (
                "        label: Mô hình\n        type: model\n",
                "        label: Trả lời\n        type: choice\n"
                "        choices: [yes, no, on, 010]\n",
            ),
        ),
        "plan.yaml",
        PLANS,
    )
    assert plan.models[1].code == "010"
    column = plan.forms[0].columns[1]
    assert column.choices == ["yes", "no", "on", "010"]


def test_unit_references_need_to_be_unambiguous() -> None:
    gazetteer = "\n".join(
        [
            "huyen,xa",
            "Huyện Cẩm Giàng,Thị trấn Cẩm Giàng",
            "Huyện Cẩm Giàng,Xã Cẩm Điền",
            "Huyện Gia Lộc,Thị trấn Gia Lộc",
        ]
    )
    text = minimal_text(
        (
            "    file: communes-2027.csv\n    levels:\n      - column: ten_xa\n"
            "        code_column: ma_xa\n",
            "    file: two-levels.csv\n    levels:\n      - column: huyen\n      - column: xa\n",
        ),
        ("    unit: Xã An Bình\n", "    unit: Cẩm Giàng\n"),
        ("    unit: Xã An Lạc\n", "    unit: Huyện Cẩm Giàng/TT. Cẩm Giàng\n"),
        ('    unit: "10003"\n', "    unit: H. Gia Lộc\n"),
    )
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "two-levels.csv").write_text(gazetteer, encoding="utf-8")
        with pytest.raises(PlanError) as caught:
            load_plan_text(text, "plan.yaml", Path(folder))
    assert [f"{p.line} {p.path}: {p.message}" for p in caught.value.problems] == [
        "35 sites[0].unit: 'Cẩm Giàng' trùng tên nhiều đơn vị ('Huyện Cẩm Giàng', "
        "'Huyện Cẩm Giàng/Thị trấn Cẩm Giàng'); hãy ghi rõ dạng 'Cấp trên/Đơn vị' "
        "hoặc dùng mã đơn vị"
    ]


@pytest.mark.parametrize(
    ("replacements", "expected"),
    [
        (
            [("  end: 2027-12-31\n", "  end: 2026-12-31\n")],
            [
                "7 campaign.end: ngày kết thúc 2026-12-31 sớm hơn ngày bắt đầu 2027-01-01",
                "46 milestones[0].due: hạn 2027-03-15 sau ngày kết thúc kế hoạch 2026-12-31",
                "51 milestones[1].due: hạn 2027-11-20 sau ngày kết thúc kế hoạch 2026-12-31",
            ],
        ),
        (
            [("    report:\n      symbol: BC-MTTQ-BTT\n", "")],
            ["16 issuer.documents: thiếu thiết lập văn bản 'report' (ký hiệu số và nơi nhận)"],
        ),
        (
            [("    unit: Xã An Lạc\n", "    unit: Xã An Bình\n")],
            [
                "38 sites[1].unit: đơn vị 'Xã An Bình' đã là một điểm khác (dòng 34); "
                "mỗi đơn vị chỉ là một điểm"
            ],
        ),
        (
            [("    model: M1\n", "    model: M1\n    choose_child: true\n")],
            [
                "37 sites[0].choose_child: đơn vị 'Xã An Bình' không có đơn vị cấp dưới để chọn "
                "khi đăng ký",
                "48 milestones[0].form: có điểm chọn đơn vị cấp dưới khi đăng ký, nên biểu mẫu "
                "'dang-ky' cần một cột kiểu 'unit' có 'within' (đơn vị cấp dưới được chọn)",
            ],
        ),
        (
            [("    registration: true\n", "")],
            [],
        ),
        (
            [("    form: bao-cao\n", "    form: bao-cao\n    registration: true\n")],
            ["53 milestones[1].registration: chỉ được có một mốc đăng ký"],
        ),
        (
            [
                (
                    "      - check: so_ho_cam_ket <= so_ho\n",
                    "      - check: so_ho_cam_ket là so_ho\n",
                )
            ],
            [
                "83 forms[1].rules[0].check: quy tắc 'so_ho_cam_ket là so_ho' cần dạng "
                "'cột_a <= cột_b' hoặc 'cột_a >= 0' (phép so sánh: <, <=, ==, !=, >=, >)"
            ],
        ),
        (
            [
                (
                    "        label: Có hình ảnh\n        type: yes-no\n",
                    "        label: Có hình ảnh\n        type: text\n",
                )
            ],
            ["87 recognition.requires[0].column: cột 'hinh_anh' phải là kiểu 'yes-no' (có/không)"],
        ),
        (
            [
                (
                    "        type: integer\n        min: 0\n",
                    "        type: integer\n        min: 5\n        max: 2\n",
                )
            ],
            ["76 forms[1].columns[1].max: 'max' (2.0) nhỏ hơn 'min' (5.0)"],
        ),
        (
            [
                (
                    "        label: Số hộ ký cam kết\n",
                    "        label: Số hộ ký cam kết\n        aliases: [SỐ  HỘ]\n",
                )
            ],
            ["78 forms[1].columns[2].aliases: tên cột 'SỐ HỘ' trùng với cột 'so_ho'"],
        ),
        (
            [("  parent: ỦY BAN MTTQ VIỆT NAM TỈNH MẪU\n", "  parent:\n")],
            ["9 issuer.parent: chưa điền giá trị"],
        ),
        (
            [("  - id: an-lac\n", "  - id: an lạc\n")],
            [
                "37 sites[1].id: mã 'an lạc' chỉ được gồm chữ cái không dấu, chữ số, '-', '_' "
                "hoặc '.', không có dấu cách",
                "53 milestones[1].sites[1]: điểm 'an-lac' không có trong phần sites; "
                "có phải 'an lạc'?",
            ],
        ),
        (
            [("models:\n", "modles:\n")],
            [
                "21 modles: khóa 'modles' không có trong mẫu kế hoạch; có phải 'models'?",
                "36 sites[0].model: mô hình 'M1' không có trong phần models",
                "39 sites[1].model: mô hình 'M2' không có trong phần models",
                "42 sites[2].model: mô hình 'M1' không có trong phần models",
                "64 forms[0].columns[1].type: cột kiểu 'model' nhưng kế hoạch không có mô hình nào",
            ],
        ),
        (
            [
                (
                    "schedules:\n",
                    "reminders:\n  before_days: [3, 3]\n  escalation:\n"
                    "    - after_days: 5\n    - after_days: 2\nschedules:\n",
                )
            ],
            [
                "89 reminders.before_days: có số ngày bị lặp lại",
                "92 reminders.escalation[1].after_days: mỗi cấp đôn đốc phải sau cấp trước: "
                "2 không lớn hơn 5",
            ],
        ),
        (
            [("  - code: M2\n", "  - code: M1\n")],
            [
                "24 models[1].code: mã mô hình 'M1' bị trùng (đã dùng ở dòng 22)",
                "39 sites[1].model: mô hình 'M2' không có trong phần models (có: M1)",
            ],
        ),
        (
            [("    sites: [an-binh, an-lac]\n", "    sites: []\n")],
            ["53 milestones[1].sites: danh sách điểm trống; bỏ dòng này nếu mọi điểm đều phải nộp"],
        ),
        (
            [
                (
                    "        type: integer\n        min: 0\n",
                    "        type: integer\n        min: 1.5\n",
                )
            ],
            ["75 forms[1].columns[1].min: 'min' của cột kiểu 'integer' phải là số nguyên"],
        ),
        (
            [
                (
                    "      - check: so_ho_cam_ket <= so_ho\n",
                    "      - check: so_ho_cam_ket <= hinh_anh\n",
                )
            ],
            [
                "83 forms[1].rules[0].check: không so sánh được cột 'so_ho_cam_ket' (integer) "
                "với cột 'hinh_anh' (yes-no)"
            ],
        ),
        (
            [("    report:\n", "    bao-cao:\n")],
            [
                "19 issuer.documents.bao-cao: 'bao-cao' không hợp lệ; chọn một trong: "
                "'reminder', 'feedback', 'report'"
            ],
        ),
        (
            [("  id: tinh-mau-2027\n", "  id: &x tinh-mau-2027\n")],
            [
                "4 : cột 7: không dùng '&tên' hay '*tên' trong kế hoạch; nếu đây là chữ, "
                "hãy đặt cả giá trị trong ngoặc kép"
            ],
        ),
        (
            [("    unit: Xã An Lạc\n", "    unit: Tỉnh Mẫu\n")],
            [
                "38 sites[1].unit: 'Tỉnh Mẫu' là đơn vị gốc của kế hoạch (units.name); "
                "điểm phải là một đơn vị cấp dưới"
            ],
        ),
        (
            [("    unit: Xã An Lạc\n", "    unit: P. An Lạc\n")],
            [
                "38 sites[1].unit: không tìm thấy đơn vị 'P. An Lạc' trong danh mục đơn vị "
                "(units); có phải 'Xã An Lạc'?"
            ],
        ),
        (
            [
                (
                    "      - check: so_ho_cam_ket <= so_ho\n",
                    "      - check: so_ho_cam_ket >= 2027-01-01\n",
                )
            ],
            [
                "83 forms[1].rules[0].check: quy tắc chỉ so sánh một cột với cột khác hoặc với "
                "một số, không với ngày '2027-01-01' (dùng 'min'/'max' của cột ngày)"
            ],
        ),
        (
            [("    model: M2\n", "    model: M2\n    recipient: Chủ tịch {ten}\n")],
            [
                "40 sites[1].recipient: chỉ được dùng chỗ trống {unit} (tên đơn vị) "
                "trong 'recipient'"
            ],
        ),
        (
            [("  name: BAN THƯỜNG TRỰC\n", "  name: {unit} BAN\n")],
            [
                "10 : cột 16: giá trị bắt đầu bằng '{' hoặc '[' nhưng không phải danh sách hay "
                "nhóm viết gọn hợp lệ; nếu đây là chữ (ví dụ '{unit} ...'), hãy đặt cả giá trị "
                "trong ngoặc kép"
            ],
        ),
        (
            [
                (
                    "      symbol: CV-MTTQ-BTT\n",
                    "      symbol: CV-MTTQ-BTT\n      recipients:\n        - Lưu: VT\n",
                )
            ],
            [
                "20 issuer.documents.reminder.recipients[0]: cần một giá trị chữ; nếu giá trị có "
                "dấu ': ' (ví dụ 'Lưu: VT') hoặc bắt đầu bằng '{' hay '[', hãy đặt cả giá trị "
                "trong ngoặc kép"
            ],
        ),
        (  # a broken registration milestone is not also reported as missing
            [
                ("    due: 2027-03-15\n", "    due: 15/3/2027\n"),
                (
                    "    unit: Xã An Bình\n    model: M1\n",
                    "    unit: Xã An Bình\n    model: M1\n    choose_child: true\n",
                ),
            ],
            [
                "37 sites[0].choose_child: đơn vị 'Xã An Bình' không có đơn vị cấp dưới để chọn "
                "khi đăng ký",
                "47 milestones[0].due: '15/3/2027' phải viết dạng YYYY-MM-DD, ở đây là 2027-03-15",
            ],
        ),
    ],
)
def test_cross_checks(replacements: list[tuple[str, str]], expected: list[str]) -> None:
    text = minimal_text(*replacements)
    if not expected:
        assert load_plan_text(text, "plan.yaml", PLANS).milestones[0].registration is False
    else:
        assert messages(text) == expected


def test_a_site_recipient_may_use_the_unit_placeholder() -> None:
    text = minimal_text(("    model: M2\n", "    model: M2\n    recipient: Chủ tịch MTTQ {unit}\n"))
    plan = load_plan_text(text, "plan.yaml", PLANS)
    assert plan.recipient(plan.sites[1]) == "Chủ tịch MTTQ xã An Lạc"
    assert plan.recipient(plan.sites[0]) == "Xã An Bình"


def test_site_column_defaults_to_the_top_unit_column(hai_duong: Plan, dong_ha: Plan) -> None:
    assert [f.site_key for f in hai_duong.forms] == ["huyen"] * 4
    assert [f.site_key for f in dong_ha.forms] == ["phuong"]


def test_an_empty_optional_key_takes_its_default() -> None:
    text = minimal_text(
        ("  end: 2027-12-31\n", "  end: 2027-12-31\n  timezone:\n"),
        ("schedules:\n", "site_defaults:\nschedules:\n"),
        ("        type: unit\n        required: true\n", "        type: unit\n        required:\n"),
    )
    plan = load_plan_text(text, "plan.yaml", PLANS)
    assert plan.campaign.timezone == "Asia/Ho_Chi_Minh"
    assert plan.site_defaults.recipient is None
    assert plan.forms[0].columns[0].required is False


def test_gazetteer_problems_name_the_csv_line(tmp_path: Path) -> None:
    (tmp_path / "communes-2027.csv").write_text(
        "ma_xa,ten_xa\n10001,Xã An Bình\n10002,\n10003,Phường Hòa Bình\n10004,Xã An Lạc\n"
        "10001,Xã An Bình\n10009,Xã An Lạc\n10003,Xã Tân Phú\n",
        encoding="utf-8",
    )
    plan = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan_text(plan, "plan.yaml", tmp_path)
    csv = str(tmp_path / "communes-2027.csv")
    shown = [str(p).replace(csv, "CSV") for p in caught.value.problems]
    assert shown == [
        "CSV:3: cột 'ten_xa' bị trống",
        "CSV:6: 'Xã An Bình' bị lặp lại (đã có ở dòng 2)",
        "CSV:7: 'Xã An Lạc' có mã '10009', khác mã '10004' ở dòng 5",
        "CSV:8: mã '10003' đã dùng cho 'Phường Hòa Bình' ở dòng 4",
    ]


def test_gazetteer_separated_by_semicolons(tmp_path: Path) -> None:
    rows = (PLANS / "communes-2027.csv").read_text(encoding="utf-8").replace(",", ";")
    (tmp_path / "communes-2027.csv").write_text(rows, encoding="utf-8")
    plan = load_plan_text((PLANS / "minimal.yaml").read_text("utf-8"), "plan.yaml", tmp_path)
    assert [u.code for u in plan.units.children] == ["10001", "10002", "10003", "10004"]


def test_gazetteer_with_a_missing_column(tmp_path: Path) -> None:
    (tmp_path / "communes-2027.csv").write_text("ma,ten\n1,Xã An Bình\n", encoding="utf-8")
    plan = (PLANS / "minimal.yaml").read_text(encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan_text(plan, "plan.yaml", tmp_path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == ("plan.yaml", 29, "units.gazetteer.file")
    assert problem.message == (
        f"{tmp_path / 'communes-2027.csv'}: thiếu cột 'ten_xa', 'ma_xa' (các cột có: ma, ten)"
    )


def test_ids_naming_the_same_folder_are_refused(tmp_path: Path) -> None:
    """`An_Binh` and `an-binh` are two ids but one folder `an-binh/` in the outbox: one site's
    letters and forms would overwrite the other's."""
    minimal = PLANS / "minimal.yaml"
    text = minimal.read_text(encoding="utf-8").replace("an-lac", "An_Binh")
    (tmp_path / "minimal.yaml").write_text(text, encoding="utf-8")
    for gazetteer in PLANS.glob("*.csv"):
        (tmp_path / gazetteer.name).write_bytes(gazetteer.read_bytes())
    line = text.splitlines().index("  - id: An_Binh") + 1
    first = text.splitlines().index("  - id: an-binh") + 1
    assert problems_of(tmp_path / "minimal.yaml") == [
        f"{tmp_path / 'minimal.yaml'}:{line} sites[1].id: mã điểm 'An_Binh' và 'an-binh' "
        f"(dòng {first}) cho cùng một tên thư mục, tệp 'an-binh': văn bản của bên này sẽ ghi "
        "đè bên kia. Xin đổi một mã."
    ]


def test_milestone_keywords_must_tell_the_milestones_of_a_form_apart() -> None:
    six_month = "  - id: so-ket\n    name: Sơ kết 6 tháng\n    due: 2027-06-30\n    form: bao-cao\n"
    year_end = "  - id: bao-cao\n    name: Báo cáo\n"

    def plan_text(six_month_keywords: str) -> str:
        return minimal_text(
            (
                year_end,
                f"{six_month}    keywords: {six_month_keywords}\n"
                f"{year_end}    keywords: cuối năm\n",
            )
        )

    plan = load_plan_text(plan_text("[giữa năm, Báo cáo năm]"), "plan.yaml", PLANS)
    assert [m.keywords for m in plan.milestones] == [[], ["giữa năm", "Báo cáo năm"], ["cuối năm"]]
    assert messages(plan_text("[BÁO CÁO, giữa năm, năm]")) == [
        "53 milestones[1].keywords[0]: từ khóa 'BÁO CÁO' có trong tên biểu mẫu 'bao-cao', tệp "
        "nào của biểu mẫu cũng có, nên không cho biết tệp báo cáo cho mốc nào",
        "53 milestones[1].keywords[2]: từ khóa 'năm' lẫn với 'cuối năm' của một mốc khác cùng "
        "biểu mẫu 'bao-cao' (cái này chứa cái kia), nên không phân biệt được hai mốc",
        "56 milestones[2].keywords[0]: từ khóa 'cuối năm' lẫn với 'năm' của một mốc khác cùng "
        "biểu mẫu 'bao-cao' (cái này chứa cái kia), nên không phân biệt được hai mốc",
    ]


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("2017-04-31", "'2017-04-31' không phải ngày hợp lệ: tháng 4 chỉ có 30 ngày"),
        (
            "31/04/2017",
            "'31/04/2017' không phải ngày hợp lệ: tháng 4 chỉ có 30 ngày (ngày viết dạng "
            "YYYY-MM-DD)",
        ),
        ("2027-02-29", "'2027-02-29' không phải ngày hợp lệ: tháng 2 năm 2027 chỉ có 28 ngày"),
        (
            "2027-13-01",
            "'2027-13-01' không phải ngày hợp lệ: không có tháng 13 (tháng từ 1 đến 12)",
        ),
        ("2027-03-00", "'2027-03-00' không phải ngày hợp lệ: ngày phải từ 1 trở lên"),
        ("2028-02-30", "'2028-02-30' không phải ngày hợp lệ: tháng 2 năm 2028 chỉ có 29 ngày"),
    ],
)
def test_a_day_that_does_not_exist_says_what_is_wrong(written: str, reason: str) -> None:
    text = minimal_text(("    due: 2027-03-15\n", f"    due: {written}\n"))
    assert messages(text) == [f"46 milestones[0].due: {reason}"]


def test_an_id_in_the_wrong_case_gets_its_right_case() -> None:
    text = minimal_text(
        ("    model: M1\n", "    model: m1\n"), ("    form: dang-ky\n", "    form: DANG-KY\n")
    )
    assert messages(text) == [
        "36 sites[0].model: mô hình 'm1' không có trong phần models; có phải 'M1'?",
        "47 milestones[0].form: biểu mẫu 'DANG-KY' không có trong phần forms; có phải 'dang-ky'?",
    ]

"""The report PDF: real renders of a realistic report, read back with pypdf, poppler and zbar."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from workflows.reports.pdf import render_report_pdf
from workflows.reports.report_data import (
    BuildingInfo,
    EvidenceEntry,
    FaultEntry,
    FaultStatus,
    HistoryEntry,
    PhotoRef,
    ReportData,
    ResultRow,
    SignOff,
    fault_counts_sentence,
    report_content_sha256,
)

T0 = datetime(2026, 10, 9, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
VERIFY_URL = "https://fireops.example.cn/verify/AXvX1Z3tQ0mJc9yJd8kq6pAbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcdefghijklmnopqrstu"
LONG_CRITERION = (
    "火灾报警控制器应能直接或间接接收来自火灾探测器及其他火灾报警触发器件的火灾报警信号，发出火灾报警声、光信号，"
    "指示火灾发生部位，记录火灾报警时间，并予以保持，直至手动复位；声报警信号应能手动消除，当再有火灾报警信号输入时，"
    "应能再次启动。"
)


def jpeg(width: int, height: int, color: tuple[int, int, int] = (200, 60, 40)) -> bytes:
    """A real JPEG drawn with Pillow: a coloured frame with a diagonal, so thumbnails have content."""
    img = Image.new("RGB", (width, height), color)
    draw = ImageDraw.Draw(img)
    draw.rectangle(
        (width // 8, height // 8, width * 7 // 8, height * 7 // 8), outline=(255, 255, 255), width=6
    )
    draw.line((0, 0, width, height), fill=(20, 20, 20), width=8)
    out = BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def png(width: int, height: int) -> bytes:
    img = Image.new("RGBA", (width, height), (30, 120, 200, 180))
    out = BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


SYSTEMS = ("火灾自动报警系统", "消火栓系统", "自动喷水灭火系统")
ITEMS = {
    "火灾自动报警系统": [
        ("火灾报警控制器", "火警功能", LONG_CRITERION),
        (
            "火灾报警控制器",
            "自检功能",
            "能对控制器进行自检，自检期间如有火灾报警信号输入应能发出火灾报警信号",
        ),
        ("点型感烟火灾探测器", "报警功能", "加烟后探测器应在30s内输出火警信号，报警确认灯点亮"),
        ("手动火灾报警按钮", "报警功能", "按下后控制器应显示报警部位"),
        ("火灾声光警报器", "警报功能", "声压级不应小于60dB，环境噪声大于60dB时应高于背景噪声15dB"),
        ("消防联动控制器", "联动控制功能", "满足联动逻辑时应按设定逻辑启动相关设备并接收反馈信号"),
        ("消防应急广播", "广播功能", "应能按预设控制逻辑向全楼或建筑物内有关区域进行广播"),
    ],
    "消火栓系统": [
        ("室内消火栓", "外观检查", "箱门开启灵活，配件齐全，无锈蚀"),
        ("室内消火栓", "栓口出水压力", "栓口动压不应小于0.35MPa，且不应大于0.50MPa"),
        ("消火栓泵", "手动启停", "消防控制室应能手动控制消火栓泵启停，并显示工作状态"),
        ("消火栓泵", "主备泵切换", "主泵故障时备用泵应能自动投入运行"),
        ("消防水泵接合器", "外观", "标识清晰，闷盖齐全"),
        ("高位消防水箱", "水位", "水位符合设计要求，补水设施正常"),
    ],
    "自动喷水灭火系统": [
        ("湿式报警阀组", "报警功能", "打开末端试水装置后水力警铃应在90s内发出报警铃声，压力开关动作"),
        ("喷淋泵", "自动启动", "压力开关动作后应自动启动喷淋泵"),
        ("末端试水装置", "压力", "末端试水装置处压力不应低于0.05MPa"),
        ("水流指示器", "动作信号", "动作后控制器应显示相应部位的动作信号"),
        ("信号阀", "状态反馈", "关闭信号阀时控制器应显示反馈信号"),
        ("洒水喷头", "外观", "无变形、无附着物，无漏水"),
        ("消防水池", "水位", "水位显示装置完好，水位符合设计要求"),
    ],
}


def results() -> tuple[ResultRow, ...]:
    rows = []
    n = 0
    for system, items in ITEMS.items():
        for facility, item, criterion in items:
            n += 1
            outcome = "fail" if n % 7 == 3 else "cannot_test" if n % 9 == 5 else "pass"
            record = {
                "pass": "正常",
                "fail": "不符合：报警后控制器未显示部位，现场检查为回路板故障",
                "cannot_test": "设备停用检修，无法测试",
            }[outcome]
            rows.append(
                ResultRow(
                    system=system,
                    facility=facility,
                    item=item,
                    criterion=criterion,
                    outcome=outcome,
                    measured_record=record,
                    location=f"{n % 3 + 1}号楼{n % 12 + 1}层" if n % 2 else None,
                    brand="海湾 GST200" if facility == "火灾报警控制器" else None,
                )
            )
    return tuple(rows)


def history(step_count: int) -> tuple[HistoryEntry, ...]:
    steps = ["生成待下达排查任务", "下达排查任务", "接收排查任务", "执行排查任务", "完成排查任务：已解决"]
    return tuple(
        HistoryEntry(
            at=T0 + timedelta(hours=5 * i),
            person=["系统", "王建国", "李强", "李强", "李强"][i],
            disposition="investigate" if i else None,
            step=steps[i],
            note="已更换回路板" if i == 4 else None,
        )
        for i in range(step_count)
    )


def fault(code: str, status: FaultStatus, *, source: str | None = None) -> FaultEntry:
    disposition = {
        "pending": None,
        "investigating": "investigate",
        "repairing": "owner_approved_repair",
        "resolved": "investigate",
        "refused": "owner_refused_repair",
        "out_of_scope": "out_of_scope",
        "negotiating": "negotiating",
        "void": None,
    }[status]
    return FaultEntry(
        code=code,
        system="火灾自动报警系统",
        facility="火灾报警控制器",
        item="火警功能",
        criterion=LONG_CRITERION,
        measured_record="报警后控制器未显示部位",
        found_at=T0,
        status=status,
        disposition=disposition,  # type: ignore[arg-type]
        explanation="业主称预算不足，暂缓维修" if status == "refused" else None,
        history=history(5 if status == "resolved" else 3),
        source_label=source,
    )


def make_report(**overrides: object) -> ReportData:
    """A realistic month: 2 buildings, 3 systems, 20 results, faults of every status, evidence."""
    statuses: list[FaultStatus] = [
        "pending",
        "investigating",
        "investigating",
        "repairing",
        "resolved",
        "refused",
        "out_of_scope",
        "negotiating",
        "void",
    ]
    data = ReportData(
        report_number="WB-2026-0042",
        title="2026年10月维护保养报告",
        project_name="华府国际广场消防设施维护保养项目",
        project_address="上海市浦东新区世纪大道100号",
        owner_name="上海华府置业有限公司",
        agency_name="上海安泰消防技术服务有限公司",
        agency_address="上海市徐汇区漕溪北路88号",
        period_label="2026年10月",
        report_date=date(2026, 10, 28),
        service_date=date(2026, 10, 9),
        verify_url=VERIFY_URL,
        buildings=(
            BuildingInfo(
                name="1号楼（主楼）",
                total_area_m2=Decimal("45210.50"),
                above_ground_area_m2=Decimal("38000"),
                underground_area_m2=Decimal("7210.5"),
                floors_above=28,
                floors_below=2,
                height_m=Decimal("99.60"),
                water_storage="消防水池（B2层，540m³）",
                remark="一类高层公共建筑",
            ),
            BuildingInfo(
                name="2号楼（裙房）",
                total_area_m2=Decimal("12000"),
                above_ground_area_m2=None,
                underground_area_m2=None,
                floors_above=5,
                floors_below=None,
                height_m=Decimal("23.9"),
                water_storage=None,
                remark=None,
            ),
        ),
        systems=SYSTEMS,
        results=results(),
        faults=tuple(fault(f"F-{i + 1:04d}", s) for i, s in enumerate(statuses)),
        previous_faults=(
            fault("F-0007", "refused", source="2026年9月维护保养报告 WB-2026-0031"),
            fault("F-0003", "negotiating", source="2026年8月维护保养报告 WB-2026-0020"),
        ),
        evidence=(
            EvidenceEntry(
                task_code="T-0101",
                submitter="李强",
                submitted_at=T0 + timedelta(hours=6),
                latitude=31.230416,
                longitude=121.473701,
                distance_m=85.3,
                geofence_radius_m=200.0,
                within_geofence=True,
                selfie=PhotoRef("提交人自拍", jpeg(480, 640, (90, 160, 90)), "image/jpeg"),
                photos=(
                    PhotoRef("T-0101 照片1", jpeg(1600, 1200), "image/jpeg"),
                    PhotoRef("T-0101 照片2", png(300, 200), "image/png"),
                    PhotoRef("T-0101 照片3", b"not an image", "image/jpeg"),
                ),
            ),
            EvidenceEntry(
                task_code="T-0102",
                submitter="张伟",
                submitted_at=T0 + timedelta(days=1),
                latitude=31.2401,
                longitude=121.4901,
                distance_m=1520.0,
                geofence_radius_m=200.0,
                within_geofence=False,
                selfie=None,
                photos=(),
            ),
            EvidenceEntry(
                task_code="T-0103",
                submitter="赵敏",
                submitted_at=T0 + timedelta(days=2),
                latitude=None,
                longitude=None,
                distance_m=None,
                geofence_radius_m=200.0,
                within_geofence=None,
                selfie=None,
                photos=(PhotoRef("T-0103 照片1", jpeg(800, 600, (40, 40, 160)), "image/jpeg"),),
            ),
        ),
        signoff=SignOff(
            project_lead="王建国", technical_lead="陈静（注册消防工程师）", enterprise_manager=None
        ),
        summary="本月完成全部计划测试项，发现故障9项，已按规定处置。",
    )
    return replace(data, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report() -> ReportData:
    return make_report()


@pytest.fixture(scope="module")
def pdf(report: ReportData) -> bytes:
    return render_report_pdf(report)


@pytest.fixture(scope="module")
def text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


class TestRenderReportPdf:
    def test_is_a_pdf(self, pdf: bytes) -> None:
        assert pdf.startswith(b"%PDF-")
        assert pdf.rstrip().endswith(b"%%EOF")

    def test_same_data_gives_identical_bytes(self, report: ReportData, pdf: bytes) -> None:
        assert render_report_pdf(make_report()) == pdf

    def test_different_data_gives_different_bytes(self, pdf: bytes) -> None:
        assert render_report_pdf(make_report(report_number="WB-2026-0043")) != pdf

    def test_chinese_labels_and_project_are_extractable(self, text: str, report: ReportData) -> None:
        flat = text.replace("\n", "")
        for needle in (
            "维护保养",
            "建筑物情况",
            "不能测试",
            "本期故障及处理",
            "以往故障处理跟踪",
            "现场证据",
            "签字栏",
            "项目负责人",
            "技术负责人",
            "企业管理人员",
            "合格标准",
            "实测记录",
            report.project_name,
            report.owner_name,
            report.report_number,
            "㎡",
        ):
            assert needle in flat, needle

    def test_counts_sentences_are_printed(self, text: str, report: ReportData) -> None:
        flat = text.replace("\n", "").replace(" ", "")
        assert fault_counts_sentence(report.faults) in flat
        assert fault_counts_sentence(report.previous_faults) in flat
        assert fault_counts_sentence(report.faults).startswith("待处理的故障有1项，排查中的故障有2项")

    def test_faults_history_and_carry_over_are_printed(self, text: str) -> None:
        flat = text.replace("\n", "")
        for needle in (
            "F-0008",
            "业主同意维修",
            "与业主沟通中",
            "完成排查任务：已解决",
            "接收排查任务",
            "2026年9月维护保养报告",
            "业主称预算不足",
        ):
            assert needle in flat, needle

    def test_void_faults_are_left_out(self, text: str, report: ReportData) -> None:
        assert report.faults[-1].status == "void"
        assert "F-0009" not in text
        assert "已作废" not in text

    def test_evidence_shows_position_and_geofence(self, text: str) -> None:
        flat = text.replace("\n", "")
        for needle in (
            "31.230416",
            "121.473701",
            "85.3 m",
            "在围栏内",
            "超出围栏",
            "未记录定位",
            "照片无法显示",
        ):
            assert needle in flat, needle

    def test_footer_on_every_page(self, pdf: bytes, report: ReportData) -> None:
        pages = PdfReader(BytesIO(pdf)).pages
        assert len(pages) >= 4
        for n, page in enumerate(pages, 1):
            page_text = page.extract_text()
            assert f"第 {n} 页 共 {len(pages)} 页" in page_text
            assert report.report_number in page_text
            assert report.agency_name in page_text

    def test_photos_are_embedded_as_thumbnails(self, pdf: bytes) -> None:
        images = [img for page in PdfReader(BytesIO(pdf)).pages for img in page.images]
        assert len(images) == 4  # T-0101: selfie + 2 readable photos (the garbage one is skipped); T-0103: 1
        assert all(max(img.image.size) <= 240 for img in images)
        assert len(pdf) < 400_000

    def test_long_text_wraps_inside_cells(self, text: str) -> None:
        assert "直至手动复位" in text.replace("\n", "")

    def test_rows_taller_than_a_page_split_instead_of_failing(self, report: ReportData) -> None:
        huge = replace(report.results[0], measured_record="记录" * 1000 + "结束标记")
        long_name = "很长的项目名称" * 20
        pdf = render_report_pdf(replace(report, results=(huge,), project_name=long_name))
        pages = PdfReader(BytesIO(pdf)).pages
        assert "结束标记" in "".join("".join(p.extract_text().split()) for p in pages)
        assert "…" in pages[1].extract_text()  # the page header is cut to the page width

    def test_empty_sections_render(self) -> None:
        data = make_report(faults=(), previous_faults=(), evidence=(), buildings=(), results=(), summary=None)
        flat = "".join(p.extract_text() for p in PdfReader(BytesIO(render_report_pdf(data))).pages).replace(
            "\n", ""
        )
        for needle in (
            "本期无故障",
            "无以往未解决故障",
            "本期无现场证据",
            "本期无不能测试项",
            "未登记建筑物信息",
        ):
            assert needle in flat, needle


class TestReportContentSha256:
    def test_ignores_verify_url(self, report: ReportData) -> None:
        assert report_content_sha256(replace(report, verify_url="x")) == report_content_sha256(report)

    def test_changes_with_content(self, report: ReportData) -> None:
        assert report_content_sha256(replace(report, project_name="别的项目")) != report_content_sha256(
            report
        )

    def test_same_instant_in_another_zone_hashes_the_same(self, report: ReportData) -> None:
        shanghai = report.evidence[0].submitted_at.astimezone(ZoneInfo("Asia/Shanghai"))
        moved = replace(
            report, evidence=(replace(report.evidence[0], submitted_at=shanghai), *report.evidence[1:])
        )
        assert report_content_sha256(moved) == report_content_sha256(report)

    def test_photo_bytes_count(self, report: ReportData) -> None:
        other = replace(
            report.evidence[0], selfie=PhotoRef("提交人自拍", jpeg(480, 640, (1, 2, 3)), "image/jpeg")
        )
        assert report_content_sha256(replace(report, evidence=(other,))) != report_content_sha256(
            replace(report, evidence=report.evidence[:1])
        )


PDFTOPPM, ZBARIMG = shutil.which("pdftoppm"), shutil.which("zbarimg")


@pytest.mark.skipif(
    PDFTOPPM is None or ZBARIMG is None,
    reason="needs pdftoppm and zbarimg: apt-get install -y poppler-utils zbar-tools",
)
def test_cover_qr_code_decodes_to_verify_url(pdf: bytes, tmp_path: Path) -> None:
    assert PDFTOPPM is not None
    assert ZBARIMG is not None
    source, cover = tmp_path / "report.pdf", tmp_path / "cover.png"
    source.write_bytes(pdf)
    # -singlefile writes <root>.png for page 1 only, at 150 dpi.
    render = [
        PDFTOPPM,
        "-png",
        "-r",
        "150",
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(source),
        str(tmp_path / "cover"),
    ]
    subprocess.run(render, check=True, timeout=60)  # noqa: S603 - fixed argv, our own temp files
    assert cover.read_bytes().startswith(b"\x89PNG")
    scan = [ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(cover)]
    decoded = subprocess.run(scan, capture_output=True, text=True, check=True, timeout=60)  # noqa: S603
    assert decoded.stdout.strip() == VERIFY_URL


class TestFaultCountsSentence:
    def test_matches_the_deployed_wording(self) -> None:
        faults = [fault("F-1", "investigating"), fault("F-2", "investigating"), fault("F-3", "resolved")]
        assert fault_counts_sentence(faults) == (
            "排查中的故障有2项，维修中的故障有0项，业主不同意维修的故障有0项，与业主协商中的故障有0项，"
            "不在合同范围内的故障有0项，已解决的故障有1项。"
        )

    def test_pending_comes_first_only_when_present(self) -> None:
        sentence = fault_counts_sentence([fault("F-1", "pending"), fault("F-2", "pending")])
        assert sentence.startswith("待处理的故障有2项，排查中的故障有0项，")
        assert "待处理" not in fault_counts_sentence([])

    def test_void_faults_are_not_counted(self) -> None:
        assert fault_counts_sentence([fault("F-1", "void")]) == fault_counts_sentence([])


class TestDecimalScale:
    def test_same_value_with_another_scale_hashes_the_same(self, report: ReportData) -> None:
        b = replace(report.buildings[0], total_area_m2=Decimal("45210.5000"), height_m=Decimal("99.6"))
        moved = replace(report, buildings=(b, *report.buildings[1:]))
        assert report_content_sha256(moved) == report_content_sha256(report)

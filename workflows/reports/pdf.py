"""Render a :class:`~workflows.reports.report_data.ReportData` as the maintenance report PDF.

A4, reportlab platypus, built-in CID font ``STSong-Light`` (no font files), invariant mode so the
same data always gives the same bytes. Sections follow the real Guangdong-style monthly report
(``/work/shared/REPORT_FORMAT.md`` §2) and SPEC §5.4–§5.5: cover with QR code, 建筑物情况,
per-system results, 不能测试项, 本期故障及处理, 以往故障处理跟踪 (R-FAULT-1), 现场证据, 签字栏.
Every page carries a footer with agency, report date, 第 n 页 共 m 页 and report number.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from io import BytesIO
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from workflows.reports.pdf_blocks import day, h1, h2, head, num, table
from workflows.reports.pdf_evidence import evidence_section, faults_section
from workflows.reports.pdf_styles import (
    CANNOT_TEST_BG,
    FAIL_BG,
    FONT,
    FRAME_WIDTH,
    GRID_STYLE,
    HEAD_BG,
    HEADED_STYLE,
    LABELLED_STYLE,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PLAIN_STYLE,
    STYLES,
    QrCode,
    cell,
    markup,
    numbered_canvas,
    paragraph,
)
from workflows.reports.report_data import (
    OUTCOME_LABELS,
    ReportData,
    ResultRow,
)

RESULT_COLS = [8 * mm, 28 * mm, 32 * mm, 48 * mm, 16 * mm, 42 * mm]


def render_report_pdf(data: ReportData) -> bytes:
    """Render the report as a PDF.

    Args:
        data: The report's content; datetimes are printed in Asia/Shanghai time, photos are
            scaled down to thumbnails (at most 40 × 30 mm on the page, ≈ 126 dpi).

    Returns:
        The PDF file (A4, ``%PDF-1.4``), byte-identical for identical ``data``.
    """
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        invariant=1,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=data.title,
        author=data.agency_name,
        subject=f"{data.project_name} {data.period_label}",
        creator="fireops",
    )
    story: list[Flowable] = [*_cover(data), PageBreak()]
    if data.summary:
        story += [h1("本次维保情况简述"), Paragraph(markup(data.summary), STYLES.body)]
    story += _buildings(data)
    story += _results(data)
    story += _cannot_test(data.results)
    story += [CondPageBreak(60 * mm), h1("四、本期故障及处理"), *faults_section(data.faults, "本期无故障。")]
    story += [
        CondPageBreak(60 * mm),
        h1("五、以往故障处理跟踪"),
        *faults_section(data.previous_faults, "无以往未解决故障。"),
    ]
    story += evidence_section(data.evidence)
    story += _signoff(data)
    doc.build(
        story,
        canvasmaker=numbered_canvas(
            footer_left=f"{data.agency_name}    报告日期：{data.report_date.isoformat()}",
            footer_right=f"报告编号：{data.report_number}",
            header=f"{data.project_name}  {data.title}",
        ),
    )
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------- sections


def _cover(data: ReportData) -> list[Flowable]:
    rows = [
        ("项目名称", data.project_name),
        ("项目地址", data.project_address),
        ("委托单位", data.owner_name),
        ("维保单位", data.agency_name),
        ("维保单位地址", data.agency_address),
        ("维保周期", data.period_label),
        ("服务日期", day(data.service_date)),
        ("报告编号", data.report_number),
        ("报告日期", day(data.report_date)),
    ]
    cover = table(
        [[label, Paragraph(markup(value), STYLES.cover_cell)] for label, value in rows],
        [34 * mm, FRAME_WIDTH - 34 * mm],
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), FONT, 11.5, 17),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ],
            parent=LABELLED_STYLE,
        ),
    )
    qr_block = table(
        [
            [QrCode(data.verify_url, 38 * mm)],
            [Paragraph("扫描二维码核验报告真伪", STYLES.caption)],
            [Paragraph(markup(data.verify_url), STYLES.small)],
        ],
        [70 * mm],
        TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")], parent=PLAIN_STYLE),
    )
    return [
        Spacer(1, 18 * mm),
        Paragraph(markup(data.title), STYLES.title),
        Paragraph("建筑消防设施维护保养报告", STYLES.subtitle),
        cover,
        Spacer(1, 14 * mm),
        qr_block,
        Spacer(1, 6 * mm),
        Paragraph("说明：本报告未加盖维保单位公章无效；涂改无效；扫描二维码可核验报告真伪。", STYLES.caption),
    ]


def _buildings(data: ReportData) -> list[Flowable]:
    out: list[Flowable] = [h1("一、建筑物情况")]
    if not data.buildings:
        return [*out, Paragraph("未登记建筑物信息。", STYLES.body)]
    rows: list[list[Any]] = [
        head(
            "建筑名称",
            "总建筑面积(㎡)",
            "地上面积(㎡)",
            "地下面积(㎡)",
            "地上/地下层数",
            "建筑高度(m)",
            "消防水源/储水",
            "备注",
        )
    ]
    widths = [26 * mm, 20 * mm, 19 * mm, 19 * mm, 18 * mm, 16 * mm, 32 * mm, 24 * mm]
    for b in data.buildings:
        floors = f"{num(b.floors_above)} / {num(b.floors_below)}"
        rows.append(
            [
                cell(b.name, widths[0]),
                num(b.total_area_m2),
                num(b.above_ground_area_m2),
                num(b.underground_area_m2),
                floors,
                num(b.height_m),
                cell(b.water_storage, widths[6]),
                cell(b.remark, widths[7]),
            ]
        )
    return [*out, table(rows, widths, HEADED_STYLE, repeat=1)]


def _systems_in_order(data: ReportData) -> list[str]:
    """``data.systems`` first, then any system that only appears in the results."""
    return list(dict.fromkeys([*data.systems, *(r.system for r in data.results)]))


def _results(data: ReportData) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), h1("二、消防系统测试结果")]
    by_system: dict[str, list[ResultRow]] = {}
    for row in data.results:
        by_system.setdefault(row.system, []).append(row)
    systems = _systems_in_order(data)
    summary: list[list[Any]] = [head("序号", "系统", "测试项数", "符合", "不符合", "不能测试")]
    widths = [12 * mm, 70 * mm, 23 * mm, 23 * mm, 23 * mm, 23 * mm]
    for i, system in enumerate(systems, 1):
        counts = Counter(r.outcome for r in by_system.get(system, []))
        summary.append(
            [
                str(i),
                cell(system, widths[1]),
                str(sum(counts.values())),
                str(counts["pass"]),
                str(counts["fail"]),
                str(counts["cannot_test"]),
            ]
        )
    out += [h2("测试结果汇总"), table(summary, widths, HEADED_STYLE, repeat=1)]
    for i, system in enumerate(systems, 1):
        out += [CondPageBreak(40 * mm), h2(f"{i}. {system}")]
        rows = by_system.get(system)
        none = Paragraph("本期无该系统的测试记录。", STYLES.body)
        out.append(_result_table(system, rows) if rows else none)
    return out


def _result_table(system: str, rows: Sequence[ResultRow]) -> Table:
    """One system's results: a spanned 系统 caption row, a header row, then one row per item."""
    caption = Paragraph(f"系统：{markup(system)}", STYLES.cell)
    data: list[list[Any]] = [
        [caption, "", "", "", "", ""],
        head("序号", "设施", "测试项", "合格标准", "判断结果", "实测记录"),
    ]
    extra: list[tuple[Any, ...]] = [("SPAN", (0, 0), (-1, 0)), ("BACKGROUND", (0, 0), (-1, 1), HEAD_BG)]
    w = RESULT_COLS
    for n, r in enumerate(rows, 1):
        facility = r.facility + (f"\n位置：{r.location}" if r.location else "")
        record = r.measured_record + (f"\n品牌/型号：{r.brand}" if r.brand else "")
        data.append(
            [
                str(n),
                cell(facility, w[1]),
                cell(r.item, w[2]),
                cell(r.criterion, w[3]),
                OUTCOME_LABELS[r.outcome],
                cell(record, w[5]),
            ]
        )
        if r.outcome != "pass":
            shade = FAIL_BG if r.outcome == "fail" else CANNOT_TEST_BG
            extra.append(("BACKGROUND", (4, n + 1), (4, n + 1), shade))
    return table(data, RESULT_COLS, GRID_STYLE, repeat=2, extra=extra)


def _cannot_test(results: Sequence[ResultRow]) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), h1("三、不能测试项")]
    rows = [r for r in results if r.outcome == "cannot_test"]
    if not rows:
        return [*out, Paragraph("本期无不能测试项。", STYLES.body)]
    data: list[list[Any]] = [head("序号", "系统", "设施", "测试项", "原因/实测记录")]
    w = [10 * mm, 34 * mm, 32 * mm, 44 * mm, 54 * mm]
    for n, r in enumerate(rows, 1):
        data.append(
            [
                str(n),
                cell(r.system, w[1]),
                cell(r.facility, w[2]),
                cell(r.item, w[3]),
                cell(r.measured_record, w[4]),
            ]
        )
    return [*out, table(data, w, HEADED_STYLE, repeat=1)]


def _signoff(data: ReportData) -> list[Flowable]:
    s = data.signoff
    line = "____________________"
    rows: list[list[Any]] = [head("职务", "姓名", "签字", "日期")]
    for role, name in (
        ("项目负责人", s.project_lead),
        ("技术负责人", s.technical_lead),
        ("企业管理人员", s.enterprise_manager),
    ):
        rows.append([role, paragraph(name, STYLES.body), line, "____年___月___日"])
    signatures = table(
        rows,
        [32 * mm, 38 * mm, 58 * mm, FRAME_WIDTH - 128 * mm],
        TableStyle(
            [
                ("FONT", (0, 1), (-1, -1), FONT, 10, 14),
                ("TOPPADDING", (0, 1), (-1, -1), 10),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 10),
            ],
            parent=HEADED_STYLE,
        ),
    )
    stamp = Paragraph(f"{markup(data.agency_name)}（盖章）<br/>{day(data.report_date)}", STYLES.body)
    return [
        CondPageBreak(70 * mm),
        h1("七、签字栏"),
        signatures,
        Spacer(1, 10 * mm),
        table([["", stamp]], [FRAME_WIDTH - 70 * mm, 70 * mm], PLAIN_STYLE),
    ]

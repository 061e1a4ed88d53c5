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
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from PIL import Image as PILImage
from PIL import ImageOps
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from engine.clock import BUSINESS_TZ
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
    DISPOSITION_LABELS,
    OUTCOME_LABELS,
    STATUS_LABELS,
    EvidenceEntry,
    FaultEntry,
    PhotoRef,
    ReportData,
    ResultRow,
    decimal_text,
    fault_counts_sentence,
)

THUMB_W, THUMB_H = 40 * mm, 30 * mm
"""Box a photo thumbnail is fitted into on the page (aspect ratio kept)."""
THUMB_PX_PER_PT = 1.75
"""Thumbnail resolution, ≈ 126 dpi; a 1600 × 1200 photo then decodes at 1/8 scale (JPEG draft)."""
PHOTOS_PER_ROW = 4
RESULT_COLS = [8 * mm, 28 * mm, 32 * mm, 48 * mm, 16 * mm, 42 * mm]
_DISPOSITIONS: dict[str, str] = dict(DISPOSITION_LABELS.items())


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
        story += [_h1("本次维保情况简述"), Paragraph(markup(data.summary), STYLES.body)]
    story += _buildings(data)
    story += _results(data)
    story += _cannot_test(data.results)
    story += [CondPageBreak(60 * mm), _h1("四、本期故障及处理"), *_faults(data.faults, "本期无故障。")]
    story += [
        CondPageBreak(60 * mm),
        _h1("五、以往故障处理跟踪"),
        *_faults(data.previous_faults, "无以往未解决故障。"),
    ]
    story += _evidence(data.evidence)
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


# ---------------------------------------------------------------------------------------------- helpers


def _h1(text: str) -> Paragraph:
    return Paragraph(markup(text), STYLES.h1)


def _h2(text: str) -> Paragraph:
    return Paragraph(markup(text), STYLES.h2)


def _when(at: datetime) -> str:
    return at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M")


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _num(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return decimal_text(value) if isinstance(value, Decimal) else str(value)


def _table(
    rows: list[list[Any]],
    widths: Sequence[float],
    style: TableStyle,
    repeat: int = 0,
    extra: list[tuple[Any, ...]] | None = None,
) -> Table:
    """A table of ``rows`` with column ``widths`` (points) in ``style`` plus per-cell ``extra`` commands."""
    # splitInRow: a row taller than a page (a very long record) splits instead of raising LayoutError.
    table = Table(rows, colWidths=list(widths), repeatRows=repeat, style=style, splitInRow=1)
    if extra:
        table.setStyle(TableStyle(extra))
    return table


def _kv(pairs: Sequence[tuple[str, str | None]], label_w: float = 26 * mm) -> Table:
    """A two-column key/value block; values wrap."""
    rows = [[label, cell(value, FRAME_WIDTH - label_w)] for label, value in pairs]
    return _table(rows, [label_w, FRAME_WIDTH - label_w], LABELLED_STYLE)


def _head(*labels: str) -> list[Paragraph]:
    return [Paragraph(label, STYLES.cell_head) for label in labels]


# ---------------------------------------------------------------------------------------------- sections


def _cover(data: ReportData) -> list[Flowable]:
    rows = [
        ("项目名称", data.project_name),
        ("项目地址", data.project_address),
        ("委托单位", data.owner_name),
        ("维保单位", data.agency_name),
        ("维保单位地址", data.agency_address),
        ("维保周期", data.period_label),
        ("服务日期", _day(data.service_date)),
        ("报告编号", data.report_number),
        ("报告日期", _day(data.report_date)),
    ]
    cover = _table(
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
    qr_block = _table(
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
    out: list[Flowable] = [_h1("一、建筑物情况")]
    if not data.buildings:
        return [*out, Paragraph("未登记建筑物信息。", STYLES.body)]
    rows: list[list[Any]] = [
        _head(
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
        floors = f"{_num(b.floors_above)} / {_num(b.floors_below)}"
        rows.append(
            [
                cell(b.name, widths[0]),
                _num(b.total_area_m2),
                _num(b.above_ground_area_m2),
                _num(b.underground_area_m2),
                floors,
                _num(b.height_m),
                cell(b.water_storage, widths[6]),
                cell(b.remark, widths[7]),
            ]
        )
    return [*out, _table(rows, widths, HEADED_STYLE, repeat=1)]


def _systems_in_order(data: ReportData) -> list[str]:
    """``data.systems`` first, then any system that only appears in the results."""
    return list(dict.fromkeys([*data.systems, *(r.system for r in data.results)]))


def _results(data: ReportData) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), _h1("二、消防系统测试结果")]
    by_system: dict[str, list[ResultRow]] = {}
    for row in data.results:
        by_system.setdefault(row.system, []).append(row)
    systems = _systems_in_order(data)
    summary: list[list[Any]] = [_head("序号", "系统", "测试项数", "符合", "不符合", "不能测试")]
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
    out += [_h2("测试结果汇总"), _table(summary, widths, HEADED_STYLE, repeat=1)]
    for i, system in enumerate(systems, 1):
        out += [CondPageBreak(40 * mm), _h2(f"{i}. {system}")]
        rows = by_system.get(system)
        none = Paragraph("本期无该系统的测试记录。", STYLES.body)
        out.append(_result_table(system, rows) if rows else none)
    return out


def _result_table(system: str, rows: Sequence[ResultRow]) -> Table:
    """One system's results: a spanned 系统 caption row, a header row, then one row per item."""
    caption = Paragraph(f"系统：{markup(system)}", STYLES.cell)
    data: list[list[Any]] = [
        [caption, "", "", "", "", ""],
        _head("序号", "设施", "测试项", "合格标准", "判断结果", "实测记录"),
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
    return _table(data, RESULT_COLS, GRID_STYLE, repeat=2, extra=extra)


def _cannot_test(results: Sequence[ResultRow]) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(50 * mm), _h1("三、不能测试项")]
    rows = [r for r in results if r.outcome == "cannot_test"]
    if not rows:
        return [*out, Paragraph("本期无不能测试项。", STYLES.body)]
    data: list[list[Any]] = [_head("序号", "系统", "设施", "测试项", "原因/实测记录")]
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
    return [*out, _table(data, w, HEADED_STYLE, repeat=1)]


def _faults(faults: Sequence[FaultEntry], none_text: str) -> list[Flowable]:
    """The count sentence, then one block per fault; ``void`` faults (cleared by R-REV-2) are left out."""
    faults = [f for f in faults if f.status != "void"]
    if not faults:
        return [Paragraph(none_text, STYLES.body)]
    out: list[Flowable] = [Paragraph(markup(fault_counts_sentence(faults)), STYLES.body)]
    for fault in faults:
        out += [*_fault_block(fault), Spacer(1, 4 * mm)]
    return out


def _fault_block(f: FaultEntry) -> list[Flowable]:
    """A fault's facts (key/value grid) followed by its handling history table."""
    label_w, value_w = 22 * mm, FRAME_WIDTH / 2 - 22 * mm
    wide = FRAME_WIDTH - label_w
    disposition = DISPOSITION_LABELS[f.disposition] if f.disposition else "未处置"
    rows: list[list[Any]] = [
        ["故障编号", cell(f.code, value_w), "发现时间", _when(f.found_at)],
        ["系统", cell(f.system, value_w), "设施", cell(f.facility, value_w)],
        ["当前状态", STATUS_LABELS[f.status], "处理方式", disposition],
        ["测试项", cell(f.item, wide), "", ""],
        ["合格标准", cell(f.criterion, wide), "", ""],
        ["实测记录", cell(f.measured_record, wide), "", ""],
        ["处理说明", cell(f.explanation, wide), "", ""],
    ]
    if f.source_label:
        rows.append(["来源报告", cell(f.source_label, wide), "", ""])
    spans = [("SPAN", (1, r), (3, r)) for r in range(3, len(rows))]
    facts = _table(
        rows,
        [label_w, value_w, label_w, value_w],
        LABELLED_STYLE,
        extra=[*spans, ("BACKGROUND", (2, 0), (2, 2), HEAD_BG)],
    )
    if not f.history:
        return [KeepTogether([facts, Spacer(1, 1.5 * mm), Paragraph("处理记录：暂无。", STYLES.cell)])]
    history: list[list[Any]] = [_head("序号", "时间", "人员", "处理方式", "步骤", "备注")]
    w = [10 * mm, 27 * mm, 22 * mm, 27 * mm, 44 * mm, 44 * mm]
    for n, h in enumerate(f.history, 1):
        kind = _DISPOSITIONS.get(h.disposition, h.disposition) if h.disposition else None
        history.append(
            [
                str(n),
                _when(h.at),
                cell(h.person, w[2]),
                cell(kind, w[3]),
                cell(h.step, w[4]),
                cell(h.note, w[5]),
            ]
        )
    table = _table(history, w, HEADED_STYLE, repeat=1)
    # Kept on one page when it fits; a longer history splits with its header row repeated.
    return [KeepTogether([facts, Spacer(1, 1.5 * mm), Paragraph("处理记录：", STYLES.cell), table])]


def _thumbnail(photo: PhotoRef) -> Flowable:
    """``photo`` fitted into :data:`THUMB_W` × :data:`THUMB_H`, re-encoded as a small JPEG.

    JPEG draft mode lets the decoder scale down by 1/2–1/8 while decoding, so a 1600 × 1200 photo
    costs a few milliseconds. Unreadable images print a note instead of failing the report.
    """
    box_px = (round(THUMB_W * THUMB_PX_PER_PT), round(THUMB_H * THUMB_PX_PER_PT))
    try:
        with PILImage.open(BytesIO(photo.content)) as src:
            src.draft("RGB", box_px)
            img = ImageOps.exif_transpose(src)
            if img.mode != "RGB":
                rgba = img.convert("RGBA")
                img = PILImage.new("RGB", rgba.size, "white")
                img.paste(rgba, mask=rgba.getchannel("A"))
            img.thumbnail(box_px, PILImage.Resampling.BILINEAR)
            out = BytesIO()
            img.save(out, "JPEG", quality=80)
    except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError):
        return Paragraph("（照片无法显示）", STYLES.caption)
    scale = min(THUMB_W / img.width, THUMB_H / img.height)
    out.seek(0)
    return Image(out, width=img.width * scale, height=img.height * scale)


def _photo_grid(photos: Sequence[PhotoRef]) -> Table:
    cells: list[list[Flowable]] = [
        [_thumbnail(p), Paragraph(markup(p.caption), STYLES.caption)] for p in photos
    ]
    rows = [cells[i : i + PHOTOS_PER_ROW] for i in range(0, len(cells), PHOTOS_PER_ROW)]
    rows[-1] += [[] for _ in range(PHOTOS_PER_ROW - len(rows[-1]))]
    return _table(
        [list(r) for r in rows],
        [FRAME_WIDTH / PHOTOS_PER_ROW] * PHOTOS_PER_ROW,
        TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER")], parent=PLAIN_STYLE),
    )


def _position(e: EvidenceEntry) -> tuple[str, str]:
    """(GPS text, geofence text) of an evidence entry."""
    if e.latitude is None or e.longitude is None:
        return "未记录定位", "—"
    gps = f"纬度 {e.latitude:.6f}，经度 {e.longitude:.6f}"
    distance = "—" if e.distance_m is None else f"距项目中心 {e.distance_m:.1f} m"
    radius = "" if e.geofence_radius_m is None else f"，围栏半径 {e.geofence_radius_m:.0f} m"
    verdict = {True: "，在围栏内", False: "，超出围栏", None: ""}[e.within_geofence]
    return gps, distance + radius + verdict


def _evidence(entries: Sequence[EvidenceEntry]) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(80 * mm), _h1("六、现场证据")]
    if not entries:
        return [*out, Paragraph("本期无现场证据。", STYLES.body)]
    for e in entries:
        gps, fence = _position(e)
        facts = _kv(
            [
                ("任务编号", e.task_code),
                ("提交人", e.submitter),
                ("提交时间", _when(e.submitted_at)),
                ("GPS位置", gps),
                ("地理围栏", fence),
            ]
        )
        photos = (
            [PhotoRef(f"自拍：{e.selfie.caption}", e.selfie.content, e.selfie.media_type)] if e.selfie else []
        ) + list(e.photos)
        block: list[Flowable] = [_h2(f"任务 {e.task_code}"), facts, Spacer(1, 2 * mm)]
        out.append(KeepTogether(block + ([_photo_grid(photos)] if photos else [])))
        out.append(Spacer(1, 3 * mm))
    return out


def _signoff(data: ReportData) -> list[Flowable]:
    s = data.signoff
    line = "____________________"
    rows: list[list[Any]] = [_head("职务", "姓名", "签字", "日期")]
    for role, name in (
        ("项目负责人", s.project_lead),
        ("技术负责人", s.technical_lead),
        ("企业管理人员", s.enterprise_manager),
    ):
        rows.append([role, paragraph(name, STYLES.body), line, "____年___月___日"])
    table = _table(
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
    stamp = Paragraph(f"{markup(data.agency_name)}（盖章）<br/>{_day(data.report_date)}", STYLES.body)
    return [
        CondPageBreak(70 * mm),
        _h1("七、签字栏"),
        table,
        Spacer(1, 10 * mm),
        _table([["", stamp]], [FRAME_WIDTH - 70 * mm, 70 * mm], PLAIN_STYLE),
    ]

"""The report PDF's fault and evidence sections (SPEC §5.5): 本期故障及处理 and 以往故障处理跟踪
(each fault with its facts and handling history, R-FAULT-1), and 现场证据 (per task: submitter,
time, GPS position against the geofence, photo thumbnails)."""

from __future__ import annotations

from collections.abc import Sequence
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
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from workflows.reports.pdf_blocks import h1, h2, head, kv, table, when
from workflows.reports.pdf_styles import (
    FRAME_WIDTH,
    HEAD_BG,
    HEADED_STYLE,
    LABELLED_STYLE,
    PLAIN_STYLE,
    STYLES,
    cell,
    markup,
)
from workflows.reports.report_data import (
    DISPOSITION_LABELS,
    STATUS_LABELS,
    EvidenceEntry,
    FaultEntry,
    PhotoRef,
    fault_counts_sentence,
)

THUMB_W, THUMB_H = 40 * mm, 30 * mm
"""Box a photo thumbnail is fitted into on the page (aspect ratio kept)."""
THUMB_PX_PER_PT = 1.75
"""Thumbnail resolution, ≈ 126 dpi; a 1600 × 1200 photo then decodes at 1/8 scale (JPEG draft)."""
PHOTOS_PER_ROW = 4
_DISPOSITIONS: dict[str, str] = dict(DISPOSITION_LABELS.items())


def faults_section(faults: Sequence[FaultEntry], none_text: str) -> list[Flowable]:
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
        ["故障编号", cell(f.code, value_w), "发现时间", when(f.found_at)],
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
    facts = table(
        rows,
        [label_w, value_w, label_w, value_w],
        LABELLED_STYLE,
        extra=[*spans, ("BACKGROUND", (2, 0), (2, 2), HEAD_BG)],
    )
    if not f.history:
        return [KeepTogether([facts, Spacer(1, 1.5 * mm), Paragraph("处理记录：暂无。", STYLES.cell)])]
    history: list[list[Any]] = [head("序号", "时间", "人员", "处理方式", "步骤", "备注")]
    w = [10 * mm, 27 * mm, 22 * mm, 27 * mm, 44 * mm, 44 * mm]
    for n, h in enumerate(f.history, 1):
        kind = _DISPOSITIONS.get(h.disposition, h.disposition) if h.disposition else None
        history.append(
            [
                str(n),
                when(h.at),
                cell(h.person, w[2]),
                cell(kind, w[3]),
                cell(h.step, w[4]),
                cell(h.note, w[5]),
            ]
        )
    handling = table(history, w, HEADED_STYLE, repeat=1)
    # Kept on one page when it fits; a longer history splits with its header row repeated.
    return [KeepTogether([facts, Spacer(1, 1.5 * mm), Paragraph("处理记录：", STYLES.cell), handling])]


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
    return table(
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


def evidence_section(entries: Sequence[EvidenceEntry]) -> list[Flowable]:
    out: list[Flowable] = [CondPageBreak(80 * mm), h1("六、现场证据")]
    if not entries:
        return [*out, Paragraph("本期无现场证据。", STYLES.body)]
    for e in entries:
        gps, fence = _position(e)
        facts = kv(
            [
                ("任务编号", e.task_code),
                ("提交人", e.submitter),
                ("提交时间", when(e.submitted_at)),
                ("GPS位置", gps),
                ("地理围栏", fence),
            ]
        )
        photos = (
            [PhotoRef(f"自拍：{e.selfie.caption}", e.selfie.content, e.selfie.media_type)] if e.selfie else []
        ) + list(e.photos)
        block: list[Flowable] = [h2(f"任务 {e.task_code}"), facts, Spacer(1, 2 * mm)]
        out.append(KeepTogether(block + ([_photo_grid(photos)] if photos else [])))
        out.append(Spacer(1, 3 * mm))
    return out

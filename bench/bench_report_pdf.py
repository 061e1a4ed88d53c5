"""Benchmark ``render_report_pdf`` on a large month: 300 result rows over 10 systems, 15 faults,
4 evidence entries with 3 photos of 1600 × 1200 px each (plus a selfie).

Run from the repository root::

    .venv/bin/python bench/bench_report_pdf.py --runs 10

What is timed: ``render_report_pdf(data)`` alone (reportlab layout, CID font, photo thumbnails,
QR code), after one warm-up render; the data is built before the clock starts. Prints the median
and p95 wall time of one render in seconds and whether the target (≤ 0.5 s) is met.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from PIL import Image

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from workflows.reports.pdf import render_report_pdf
from workflows.reports.report_data import (
    BuildingInfo,
    EvidenceEntry,
    FaultEntry,
    FaultStatus,
    HistoryEntry,
    Outcome,
    PhotoRef,
    ReportData,
    ResultRow,
    SignOff,
)

T0 = datetime(2026, 10, 9, 1, 30, tzinfo=UTC)
TARGET_S = 0.5
"""Issue 2: a 300-line report PDF renders in at most 0.5 s."""
CRITERION = (
    "火灾报警控制器应能直接或间接接收来自火灾探测器及其他火灾报警触发器件的火灾报警信号，发出火灾报警声、光信号，"
    "指示火灾发生部位，记录火灾报警时间，并予以保持，直至手动复位。"
)


def camera_jpeg(seed: int) -> bytes:
    """A 1600 × 1200 JPEG with camera-like entropy (noise over a gradient), about 0.5-1 MB."""
    noise = Image.effect_noise((1600, 1200), 40 + seed)
    gradient = Image.linear_gradient("L").resize((1600, 1200))
    img = Image.merge("RGB", (noise, gradient, Image.blend(noise, gradient, 0.5)))
    out = BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def big_report() -> ReportData:
    """The benchmark's report (deterministic content)."""
    systems = tuple(f"第{i + 1}类消防系统" for i in range(10))
    outcomes: tuple[Outcome, ...] = ("pass", "pass", "pass", "pass", "fail", "pass", "cannot_test")
    results = tuple(
        ResultRow(
            system=systems[n // 30],
            facility=f"设施{n % 30 // 3 + 1}号",
            item=f"测试项{n % 3 + 1}",
            criterion=CRITERION if n % 4 == 0 else "外观完好，标识清晰，功能正常",
            outcome=outcomes[n % 7],
            measured_record="正常" if n % 7 != 4 else "报警后控制器未显示部位，需排查",
            location=f"{n % 3 + 1}号楼{n % 20 + 1}层",
            brand="海湾 GST200" if n % 10 == 0 else None,
        )
        for n in range(300)
    )
    statuses: tuple[FaultStatus, ...] = (
        "pending",
        "investigating",
        "repairing",
        "resolved",
        "refused",
        "out_of_scope",
        "negotiating",
    )
    steps = ("生成待下达排查任务", "下达排查任务", "接收排查任务", "执行排查任务", "完成排查任务：已解决")
    history = tuple(
        HistoryEntry(at=T0 + timedelta(hours=i), person="李强", disposition="investigate", step=s)
        for i, s in enumerate(steps)
    )
    faults = tuple(
        FaultEntry(
            code=f"F-{i + 1:04d}",
            system=systems[i % 10],
            facility="火灾报警控制器",
            item="火警功能",
            criterion=CRITERION,
            measured_record="报警后控制器未显示部位",
            found_at=T0,
            status=statuses[i % 7],
            disposition="investigate",
            explanation=None,
            history=history,
        )
        for i in range(15)
    )
    photos = [camera_jpeg(i) for i in range(13)]
    evidence = tuple(
        EvidenceEntry(
            task_code=f"T-{i + 1:04d}",
            submitter="李强",
            submitted_at=T0,
            latitude=31.230416,
            longitude=121.473701,
            distance_m=85.3,
            geofence_radius_m=200.0,
            within_geofence=True,
            selfie=PhotoRef("提交人自拍", photos[12], "image/jpeg") if i == 0 else None,
            photos=tuple(PhotoRef(f"照片{k + 1}", photos[i * 3 + k], "image/jpeg") for k in range(3)),
        )
        for i in range(4)
    )
    building = BuildingInfo(
        name="1号楼",
        total_area_m2=Decimal("45210.5"),
        above_ground_area_m2=None,
        underground_area_m2=None,
        floors_above=28,
        floors_below=2,
        height_m=Decimal("99.6"),
        water_storage=None,
        remark=None,
    )
    return ReportData(
        report_number="WB-2026-0042",
        title="2026年10月维护保养报告",
        project_name="华府国际广场消防设施维护保养项目",
        project_address="上海市浦东新区世纪大道100号",
        owner_name="上海华府置业有限公司",
        agency_name="上海安泰消防技术服务有限公司",
        agency_address=None,
        period_label="2026年10月",
        report_date=date(2026, 10, 28),
        service_date=date(2026, 10, 9),
        verify_url="https://fireops.example.cn/verify/" + "A" * 87,
        buildings=(building,),
        systems=systems,
        results=results,
        faults=faults,
        previous_faults=faults[:5],
        evidence=evidence,
        signoff=SignOff(project_lead="王建国", technical_lead="陈静", enterprise_manager="刘洋"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="timed renders after one warm-up (default 10)")
    args = parser.parse_args()
    data = big_report()
    started = time.perf_counter()
    pdf = render_report_pdf(data)  # warm-up: imports, font registration, style objects
    first = time.perf_counter() - started
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        render_report_pdf(data)
        times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    median = statistics.median(times)
    print(f"300-row report: {len(pdf) / 1024:.0f} KiB; first render {first:.3f} s")
    print(
        f"runs={args.runs} median={median:.3f} s p95={p95:.3f} s min={times[0]:.3f} s max={times[-1]:.3f} s"
    )
    print(f"target ≤ {TARGET_S} s per 300-line report: {'met' if median <= TARGET_S else 'MISSED'} (median)")


if __name__ == "__main__":
    main()

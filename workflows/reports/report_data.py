"""Everything one maintenance report shows, as plain frozen dataclasses (no ORM, no database).

:func:`workflows.reports.builder.build_report_data` fills a :class:`ReportData` from the database;
:func:`workflows.reports.pdf.render_report_pdf` turns it into the PDF, and the chat bots quote the
same labels and sentences. Datetimes are tz-aware (shown in Asia/Shanghai), areas are m², heights m.

The content hash (:func:`report_content_sha256`) is what the QR verification token signs: it covers
every field except ``verify_url`` (which contains the token, so it cannot be part of what it signs).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

Outcome = Literal["pass", "fail", "cannot_test"]
FaultStatus = Literal[
    "pending", "investigating", "repairing", "resolved", "refused", "out_of_scope", "negotiating", "void"
]
DispositionKind = Literal[
    "investigate", "owner_approved_repair", "owner_refused_repair", "out_of_scope", "negotiating"
]

OUTCOME_LABELS: dict[Outcome, str] = {"pass": "符合", "fail": "不符合", "cannot_test": "不能测试"}
"""判断结果 of a test item (SPEC §5.2)."""

STATUS_LABELS: dict[FaultStatus, str] = {
    "pending": "待处理",
    "investigating": "排查中",
    "repairing": "维修中",
    "resolved": "已解决",
    "refused": "业主不同意维修",
    "out_of_scope": "不在合同范围内",
    "negotiating": "与业主协商中",
    "void": "已作废",
}
"""Fault buckets of SPEC §5.4 as the reports and chat show them."""

DISPOSITION_LABELS: dict[DispositionKind, str] = {
    "investigate": "排查",
    "owner_approved_repair": "业主同意维修",
    "owner_refused_repair": "业主不同意维修",
    "out_of_scope": "不在合同范围内",
    "negotiating": "与业主沟通中",
}
"""The five dispositions of R-FAULT."""

_COUNTED_STATUSES: tuple[FaultStatus, ...] = (
    "investigating",
    "repairing",
    "refused",
    "negotiating",
    "out_of_scope",
    "resolved",
)
CONTENT_HASH_VERSION = "fireops.report-content.v1"
"""Prefix of the canonical JSON hashed by :func:`report_content_sha256`; bump it when the shape changes."""


@dataclass(frozen=True)
class BuildingInfo:
    """One building of the project (建筑物情况); areas in m², height in m, ``None`` = not recorded."""

    name: str
    total_area_m2: Decimal | None
    above_ground_area_m2: Decimal | None
    underground_area_m2: Decimal | None
    floors_above: int | None
    floors_below: int | None
    height_m: Decimal | None
    water_storage: str | None
    remark: str | None


@dataclass(frozen=True)
class ResultRow:
    """One recorded test item: what was tested against which criterion, and the outcome."""

    system: str
    facility: str
    item: str
    criterion: str
    outcome: Outcome
    measured_record: str
    location: str | None = None
    brand: str | None = None


@dataclass(frozen=True)
class HistoryEntry:
    """One step of a fault's handling; ``at`` is tz-aware.

    ``step`` is the deployed system's wording, e.g. 生成待下达排查任务, 下达排查任务, 接收排查任务,
    执行排查任务, 完成排查任务：已解决 / 完成排查任务：未解决.
    """

    at: datetime
    person: str
    disposition: str | None
    step: str
    note: str | None = None


@dataclass(frozen=True)
class FaultEntry:
    """A fault (故障) with its current status, disposition and whole handling history.

    ``source_label`` names the report that first listed a carried-over fault (R-FAULT-1), e.g.
    ``"2026年9月维护保养报告"``; it is ``None`` for this period's faults.
    """

    code: str
    system: str
    facility: str
    item: str
    criterion: str
    measured_record: str
    found_at: datetime
    status: FaultStatus
    disposition: DispositionKind | None
    explanation: str | None
    history: tuple[HistoryEntry, ...]
    source_label: str | None = None


@dataclass(frozen=True)
class PhotoRef:
    """An image to embed: ``content`` is the raw file, ``media_type`` ``image/jpeg`` or ``image/png``."""

    caption: str
    content: bytes
    media_type: str


@dataclass(frozen=True)
class EvidenceEntry:
    """On-site evidence of one submitted task: who, when, where (WGS-84 degrees) and photos.

    ``distance_m`` is the distance from the project's geofence centre and ``geofence_radius_m`` the
    radius, both in metres; ``within_geofence`` is ``None`` when no position was recorded.
    """

    task_code: str
    submitter: str
    submitted_at: datetime
    latitude: float | None
    longitude: float | None
    distance_m: float | None
    geofence_radius_m: float | None
    within_geofence: bool | None
    selfie: PhotoRef | None
    photos: tuple[PhotoRef, ...]


@dataclass(frozen=True)
class SignOff:
    """Names printed in the sign-off block; ``None`` leaves the name blank for handwriting."""

    project_lead: str | None
    technical_lead: str | None
    enterprise_manager: str | None


@dataclass(frozen=True)
class ReportData:
    """Everything one maintenance report (消防技术服务结论文件) shows.

    ``faults`` are the faults raised in this period; ``previous_faults`` the earlier ones still
    tracked (R-FAULT-1). ``title`` is like ``"2026年10月维护保养报告"``, ``period_label`` like
    ``"2026年10月"``. ``verify_url`` is what the cover's QR code encodes.
    """

    report_number: str
    title: str
    project_name: str
    project_address: str
    owner_name: str
    agency_name: str
    agency_address: str | None
    period_label: str
    report_date: date
    service_date: date
    verify_url: str
    buildings: tuple[BuildingInfo, ...]
    systems: tuple[str, ...]
    results: tuple[ResultRow, ...]
    faults: tuple[FaultEntry, ...]
    previous_faults: tuple[FaultEntry, ...]
    evidence: tuple[EvidenceEntry, ...]
    signoff: SignOff
    summary: str | None = None


def fault_counts_sentence(faults: Iterable[FaultEntry]) -> str:
    """The deployed system's count sentence for a set of faults.

    Args:
        faults: Faults of any status; ``void`` ones are ignored.

    Returns:
        E.g. ``"排查中的故障有2项，维修中的故障有0项，业主不同意维修的故障有0项，与业主协商中的故障有0项，
        不在合同范围内的故障有0项，已解决的故障有1项。"``, preceded by ``"待处理的故障有N项，"`` only
        when N > 0.
    """
    counts = Counter(f.status for f in faults)
    statuses: tuple[FaultStatus, ...] = (
        ("pending", *_COUNTED_STATUSES) if counts["pending"] else _COUNTED_STATUSES
    )
    return "，".join(f"{STATUS_LABELS[s]}的故障有{counts[s]}项" for s in statuses) + "。"


def _canonical(value: object) -> object:
    """``value`` as JSON-ready data with one spelling per value (see :func:`report_content_sha256`)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("report datetimes must be tz-aware")
        return _utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot hash {type(value).__name__} in report data")


def _utc(value: datetime) -> str:
    """``value`` (tz-aware) as UTC ISO-8601 ending in ``Z``."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def decimal_text(value: Decimal) -> str:
    """``value`` in plain notation without trailing zeros: ``Decimal("1200.00")`` → ``"1200"``."""
    return format(value.normalize(), "f")


def report_content_sha256(data: ReportData) -> str:
    """SHA-256 of the report's content, excluding ``verify_url``; what the verification token signs.

    The content is serialised as canonical JSON (sorted keys, no spaces, UTF-8) prefixed with
    :data:`CONTENT_HASH_VERSION`: datetimes as UTC ISO-8601 with ``Z``, dates ISO-8601, decimals as
    plain strings without trailing zeros (:func:`decimal_text`), photo bytes replaced by
    ``{"sha256": …}`` of the bytes. The same content therefore hashes the same whatever time zone
    or decimal scale the caller used, and the hash does not depend on the renderer's layout.

    Args:
        data: The report.

    Returns:
        64 lowercase hex digits.

    Raises:
        ValueError: a naive datetime in ``data``.
    """
    content = {f.name: _canonical(getattr(data, f.name)) for f in fields(data) if f.name != "verify_url"}
    text = json.dumps(
        [CONTENT_HASH_VERSION, content], sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

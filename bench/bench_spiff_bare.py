"""Benchmark: the shipped ``task_review`` process through the bare engine seam, no database.

What is timed — one **review round** of a submitted task, the same unit of work that
``bench/bench_month.py`` times end to end:

1. *load*: restore the instance from its serialized state (JSON string, as stored);
2. complete ``review_task`` with ``approve``;
3. the engine steps that follow (the ``tasks.approve_task`` service task, whose delegate does
   nothing here, to the end event);
4. *save*: serialize the instance again.

Not timed: parsing the model, starting each instance, completing ``execute_task`` and the first
serialization (that is the task's submission, prepared before the clock starts). The end-to-end
side adds what a real review needs around the same four steps: the HTTP-less service call, row
locks, the R-REV-1 rule, the review log, the audit row, the work-item projection and the commit.

    python bench/bench_spiff_bare.py --reviews 2000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.spiff.delegates import DelegateRegistry
from engine.spiff.runtime import ProcessRuntime, Snapshot
from engine.spiff.specs import ModelVersion, SpecCache, builtin_sources, load_model


def _nothing(context: Any, **params: Any) -> None:
    return None


def review_runtime() -> tuple[ProcessRuntime, ModelVersion]:
    """A runtime with do-nothing delegates and the parsed shipped ``task_review`` model."""
    registry = DelegateRegistry()
    for name in ("tasks.approve_task", "tasks.reject_task", "reminders.remind_review"):
        registry.register(name, _nothing)
    model = load_model("task_review", {"task_review.bpmn": builtin_sources()["task_review.bpmn"]})
    return ProcessRuntime(registry, cache=SpecCache()), model


def submitted_snapshots(runtime: ProcessRuntime, model: ModelVersion, n: int) -> list[Snapshot]:
    """``n`` serialized ``task_review`` instances waiting at ``review_task`` (submitted tasks)."""
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    out = []
    for i in range(n):
        data = {"task_id": f"task-{i}", "executor_id": "exec", "project_id": "proj"}
        inst = runtime.start(model, data)
        runtime.complete_by_bpmn_id(inst, "execute_task", {"review_due_at": due})
        out.append(runtime.snapshot(inst))
    return out


def bare_review_loop(n: int) -> float:
    """Time ``n`` review rounds (load → complete ``review_task`` → engine steps → save) in memory.

    Args:
        n: Number of review rounds (one per instance), ≥ 1.

    Returns:
        Review rounds per second (wall clock over the timed rounds only).
    """
    runtime, model = review_runtime()
    snapshots = submitted_snapshots(runtime, model, max(1, n))
    started = time.perf_counter()
    for snap in snapshots:
        review_round(runtime, model, snap)
    return len(snapshots) / (time.perf_counter() - started)


def review_round(runtime: ProcessRuntime, model: ModelVersion, snap: Snapshot) -> Snapshot:
    """One timed unit: restore ``snap`` → complete ``review_task`` (approve) → engine steps → save."""
    inst = runtime.restore(model, snap.state_json, snap.serializer_version)
    runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "approve"})
    saved = runtime.snapshot(inst)
    assert saved.completed
    return saved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reviews", type=int, default=1000, help="review rounds to time (default 1000)")
    args = parser.parse_args()
    bare_review_loop(min(50, args.reviews))  # warm-up
    rate = bare_review_loop(args.reviews)
    print(
        f"bare SpiffWorkflow task_review round (load → review → steps → save): "
        f"{rate:.1f} reviews/s ({1000 / rate:.2f} ms per review)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the shipped ``task_review`` process through the bare engine seam, no database.

Each review: start → complete ``execute_task`` → snapshot (serialize) → restore → complete
``review_task`` with ``approve`` (the approve delegate does nothing). This is the ceiling the
end-to-end figure of ``bench/bench_month.py`` is compared with.

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
from engine.spiff.runtime import ProcessRuntime
from engine.spiff.specs import SpecCache, builtin_sources, load_model


def _nothing(context: Any, **params: Any) -> None:
    return None


def bare_review_loop(n: int) -> float:
    """Run ``n`` task_review instances in memory and return the throughput.

    Args:
        n: Number of instances (reviews), ≥ 1.

    Returns:
        Reviews per second (wall clock over the whole loop; model parsing excluded).
    """
    registry = DelegateRegistry()
    for name in ("tasks.approve_task", "tasks.reject_task", "reminders.remind_review"):
        registry.register(name, _nothing)
    model = load_model("task_review", {"task_review.bpmn": builtin_sources()["task_review.bpmn"]})
    runtime = ProcessRuntime(registry, cache=SpecCache())
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()

    started = time.perf_counter()
    for i in range(max(1, n)):
        data = {"task_id": f"task-{i}", "executor_id": "exec", "project_id": "proj", "review_due_at": due}
        inst = runtime.start(model, data)
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        snap = runtime.snapshot(inst)
        inst = runtime.restore(model, snap.state_json, snap.serializer_version)
        runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "approve"})
        assert inst.workflow.completed
    return max(1, n) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reviews", type=int, default=1000, help="instances to run (default 1000)")
    args = parser.parse_args()
    bare_review_loop(min(50, args.reviews))  # warm-up
    rate = bare_review_loop(args.reviews)
    print(f"bare SpiffWorkflow task_review loop: {rate:.1f} reviews/s ({1000 / rate:.2f} ms per review)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

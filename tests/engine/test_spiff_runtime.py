"""The SpiffWorkflow seam: validation, spec-less persistence, completion rules, delegates, scripts."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from engine.errors import Conflict, WorkflowError
from engine.spiff.delegates import DelegateRegistry, UnknownDelegateError
from engine.spiff.runtime import InvalidProcessDataError, ProcessRuntime, TaskNotReadyError
from engine.spiff.scripting import DelegateError, EngineStepError, current_context
from engine.spiff.serialization import SERIALIZER_VERSION, ModelMismatchError, SerializerVersionError
from engine.spiff.specs import (
    BpmnValidationError,
    ModelVersion,
    SpecCache,
    builtin_sources,
    load_model,
    model_sha256,
    validate_bpmn,
)

# fmt: off
SHIPPED_OPERATORS = (
    "tasks.approve_task", "tasks.reject_task", "reminders.remind_review", "plans.flag_overdue",
    "filings.flag_overdue", "faults.open_investigation_task", "faults.open_repair_task",
    "lifecycle.cancel_project_processes",
)
# fmt: on
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="probe_defs" '
    'targetNamespace="http://bpmn.io/schema/bpmn">\n'
)


def linear(*nodes: str, pid: str = "probe", extra: str = "") -> dict[str, bytes]:
    """A one-file model: start -> nodes... -> end, each node given as XML with an ``id``."""
    ids = ["start", *(re.search(r'id="([^"]+)"', n).group(1) for n in nodes), "end"]  # type: ignore[union-attr]
    flows = "".join(
        f'<bpmn:sequenceFlow id="flow_{i}" sourceRef="{a}" targetRef="{b}" />'
        for i, (a, b) in enumerate(itertools.pairwise(ids))
    )
    body = '<bpmn:startEvent id="start" />' + "".join(nodes) + '<bpmn:endEvent id="end" />' + flows + extra
    xml = HEAD + f'<bpmn:process id="{pid}" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'
    return {f"{pid}.bpmn": xml.encode()}


def service(bpmn_id: str, operator: str, **params: str) -> str:
    parameters = "".join(
        f'<spiffworkflow:parameter id="{k}" type="str" value="{v}" />' for k, v in params.items()
    )
    return (
        f'<bpmn:serviceTask id="{bpmn_id}"><bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{operator}" resultVariable="{bpmn_id}_result">'
        f"<spiffworkflow:parameters>{parameters}</spiffworkflow:parameters>"
        "</spiffworkflow:serviceTaskOperator></bpmn:extensionElements></bpmn:serviceTask>"
    )


def script(bpmn_id: str, code: str) -> str:
    return f'<bpmn:scriptTask id="{bpmn_id}"><bpmn:script>{code}</bpmn:script></bpmn:scriptTask>'


def timer(bpmn_id: str, kind: str, expression: str) -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{bpmn_id}"><bpmn:timerEventDefinition>'
        f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{expression}</bpmn:{kind}>'
        "</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
    )


USER = '<bpmn:userTask id="decide_probe" />'


def registry(**delegates: Any) -> DelegateRegistry:
    reg = DelegateRegistry()
    for name, fn in delegates.items():
        reg.register(name.replace("__", "."), fn)
    return reg


@pytest.fixture(scope="module")
def review_model() -> ModelVersion:
    return load_model("task_review", {"task_review.bpmn": builtin_sources()["task_review.bpmn"]})


def review_data(**overrides: Any) -> dict[str, Any]:
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    return {"task_id": "task-1", "executor_id": "e", "project_id": "p", "review_due_at": due, **overrides}


def noop(context: Any, **params: Any) -> None:
    return None


def review_runtime(approve: Any = noop) -> ProcessRuntime:
    reg = registry(tasks__approve_task=approve, tasks__reject_task=noop, reminders__remind_review=noop)
    return ProcessRuntime(reg, cache=SpecCache())


class TestValidation:
    def test_shipped_diagrams_are_valid(self) -> None:
        sources = builtin_sources()
        assert {
            "fault_handling.bpmn",
            "maintenance_period.bpmn",
            "task_review.bpmn",
            "inspection_period.bpmn",
            "assessment_period.bpmn",
        } <= set(sources)
        reg = registry(**{name.replace(".", "__"): noop for name in SHIPPED_OPERATORS})
        assert validate_bpmn(sources, registry=reg) == []
        models = {pid: load_model(pid, sources, registry=reg) for pid in ("task_review", "fault_handling")}
        assert models["task_review"].sha256 != models["fault_handling"].sha256  # one key per process

    @pytest.mark.parametrize("tag", ["task", "manualTask"])
    def test_plain_and_manual_tasks_refused(self, tag: str) -> None:
        (error,) = validate_bpmn(linear(f'<bpmn:{tag} id="check_probe" />'))
        assert f"bpmn:{tag} 'check_probe' is not allowed" in error
        assert error.startswith("probe.bpmn: line ")

    def test_event_subprocess_refused(self) -> None:
        event_sub = (
            '<bpmn:subProcess id="abort_probe" triggeredByEvent="true">'
            '<bpmn:startEvent id="abort_start"><bpmn:signalEventDefinition /></bpmn:startEvent>'
            "</bpmn:subProcess>"
        )
        errors = validate_bpmn(linear(USER, extra=event_sub))
        assert any("event subprocess 'abort_probe' not allowed" in e for e in errors)

    def test_script_syntax_error(self) -> None:
        assert validate_bpmn(linear(script("route_probe", "x = (1"))) == [
            "probe/route_probe: script: line 1: '(' was never closed"
        ]

    def test_condition_and_prescript_syntax_errors(self) -> None:
        condition = (
            '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">'
            "verdict ==</bpmn:conditionExpression>"
        )
        gateway = (
            '<bpmn:exclusiveGateway id="gate" default="flow_b" />'
            f'<bpmn:sequenceFlow id="flow_a" sourceRef="gate" targetRef="end">{condition}</bpmn:sequenceFlow>'
            '<bpmn:sequenceFlow id="flow_b" sourceRef="gate" targetRef="end" />'
        )
        prescript = "<spiffworkflow:preScript>kind = </spiffworkflow:preScript>"
        user = (
            '<bpmn:userTask id="decide_probe"><bpmn:extensionElements>'
            f"{prescript}</bpmn:extensionElements></bpmn:userTask>"
        )
        xml = linear(user, extra=gateway)["probe.bpmn"]
        sources = {"probe.bpmn": xml.replace(b'targetRef="end" />', b'targetRef="gate" />', 1)}
        errors = validate_bpmn(sources)
        assert any(e.startswith("probe/gate: condition: line 1") for e in errors), errors
        assert any(e.startswith("probe/decide_probe: prescript: line 1") for e in errors), errors

    def test_unknown_operator_refused_when_a_registry_is_given(self) -> None:
        sources = linear(service("notify_probe", "chat.send_nothing", text="'hi'"))
        assert validate_bpmn(sources) == []
        errors = validate_bpmn(sources, registry=registry(chat__send_message=noop))
        assert errors
        assert all("unknown service operator 'chat.send_nothing'" in e for e in errors)

    def test_service_task_without_operator(self) -> None:
        (error,) = validate_bpmn(linear('<bpmn:serviceTask id="notify_probe" />'))
        assert "A Service Task must have an operator" in error

    def test_service_parameter_syntax_error(self) -> None:
        (error,) = validate_bpmn(linear(service("notify_probe", "chat.send", text="'unterminated")))
        assert error.startswith("probe/notify_probe: parameter text: line 1")

    def test_malformed_xml(self) -> None:
        (error,) = validate_bpmn({"broken.bpmn": HEAD.encode() + b"<bpmn:process id='x'></bpmn:proc>"})
        assert error.startswith("broken.bpmn: malformed XML:")

    def test_xsd_violation(self) -> None:
        (error,) = validate_bpmn(linear('<bpmn:startEvnt id="typo" />'))
        assert "startEvnt" in error
        assert "line" in error

    @pytest.mark.parametrize(
        ("kind", "expression", "message"),
        [
            ("timeDuration", "PT1H", 'quote it ("PT1H")'),
            ("timeDate", '"2026-09-01T09:00:00"', "has no UTC offset"),
            ("timeDuration", '"P2W1D"', "is not a valid timer value"),
            ("timeDate", "due_at +", "timer: line 1"),
        ],
    )
    def test_bad_timer_expressions(self, kind: str, expression: str, message: str) -> None:
        (error,) = validate_bpmn(linear(timer("wait_probe", kind, expression)))
        assert message in error

    def test_good_timer_literals_and_variables(self) -> None:
        assert validate_bpmn(linear(timer("wait_probe", "timeDate", '"2026-09-01T09:00:00+08:00"'))) == []
        assert validate_bpmn(linear(timer("wait_probe", "timeDuration", '"P3D"'))) == []
        assert validate_bpmn(linear(timer("wait_probe", "timeDate", "review_due_at"))) == []

    def test_load_model_raises_422(self) -> None:
        with pytest.raises(BpmnValidationError) as caught:
            load_model("probe", linear('<bpmn:task id="check_probe" />'))
        assert caught.value.status_code == 422
        assert caught.value.process_id == "probe"
        assert len(caught.value.errors) == 1
        with pytest.raises(BpmnValidationError, match="no executable process 'nope'"):
            load_model("nope", linear(USER))
        with pytest.raises(BpmnValidationError, match=r"not a \.bpmn or \.dmn file"):
            load_model("probe", {"probe.txt": b"<x/>"})

    def test_sha256_covers_process_id_and_every_source(self) -> None:
        sources = linear(USER)
        assert load_model("probe", sources).sha256 == model_sha256("probe", sources)
        assert model_sha256("probe", sources) != model_sha256("other", sources)
        assert model_sha256("probe", sources) != model_sha256("probe", {**sources, "x.dmn": b""})
        changed = {"probe.bpmn": sources["probe.bpmn"].replace(b"decide_probe", b"decide_other")}
        assert model_sha256("probe", sources) != model_sha256("probe", changed)


DMN = b"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="severity" name="s" namespace="http://x">
  <decision id="fault_severity" name="Severity"><decisionTable id="table">
    <input id="in_kind">
      <inputExpression id="kind_expr" typeRef="string"><text>kind</text></inputExpression>
    </input>
    <output id="out_severity" name="severity" typeRef="string" />
    <rule id="r1"><inputEntry id="r1_in"><text>"investigate"</text></inputEntry>
      <outputEntry id="r1_out"><text>"high"</text></outputEntry></rule>
    <rule id="r2"><inputEntry id="r2_in"><text></text></inputEntry>
      <outputEntry id="r2_out"><text>"low"</text></outputEntry></rule>
  </decisionTable></decision>
</definitions>"""
RULE = (
    '<bpmn:businessRuleTask id="rate_fault"><bpmn:extensionElements>'
    "<spiffworkflow:calledDecisionId>fault_severity</spiffworkflow:calledDecisionId>"
    "</bpmn:extensionElements></bpmn:businessRuleTask>"
)


class TestDecisionTables:
    def test_dmn_sources_are_loaded_with_the_diagram(self) -> None:
        sources = {**linear(RULE), "severity.dmn": DMN}
        runtime = ProcessRuntime(DelegateRegistry(), cache=SpecCache())
        snap = runtime.snapshot(runtime.start(load_model("probe", sources), {"kind": "investigate"}))
        assert snap.data["severity"] == "high"

    def test_missing_decision_table_is_a_validation_error(self) -> None:
        (error,) = validate_bpmn(linear(RULE))
        assert 'No DMN Diagram available with id "fault_severity"' in error


class TestPersistence:
    def test_models_are_cached_by_hash(self, review_model: ModelVersion) -> None:
        cache = SpecCache()
        runtime = ProcessRuntime(registry(), cache=cache)
        assert cache.get(review_model.sha256) is None
        runtime.start(review_model, review_data())
        assert cache.get(review_model.sha256) is review_model
        assert len(cache) == 1

    def test_state_holds_the_model_key_not_the_spec(self, review_model: ModelVersion) -> None:
        runtime = review_runtime()
        snap = runtime.snapshot(runtime.start(review_model, review_data()))
        state = json.loads(snap.state_json)
        assert state["spec"] == review_model.sha256
        assert state["subprocess_specs"] == {}
        assert state["serializer_version"] == snap.serializer_version == SERIALIZER_VERSION
        assert len(snap.state_json) < 10_000

    def test_unknown_serializer_version_refused(self, review_model: ModelVersion) -> None:
        runtime = review_runtime()
        snap = runtime.snapshot(runtime.start(review_model, review_data()))
        with pytest.raises(SerializerVersionError):
            runtime.restore(review_model, snap.state_json, "1.5")
        relabelled = snap.state_json.replace(SERIALIZER_VERSION, "1.4")
        with pytest.raises(SerializerVersionError):
            runtime.restore(review_model, relabelled, SERIALIZER_VERSION)

    def test_state_of_another_model_refused(self, review_model: ModelVersion) -> None:
        runtime = review_runtime()
        snap = runtime.snapshot(runtime.start(review_model, review_data()))
        other = load_model("probe", linear(USER))
        with pytest.raises(ModelMismatchError):
            runtime.restore(other, snap.state_json, snap.serializer_version)

    @pytest.mark.parametrize("state", ["not json", "[]", '{"typename": "Task"}'])
    def test_garbage_state_refused(self, review_model: ModelVersion, state: str) -> None:
        with pytest.raises(WorkflowError):
            review_runtime().restore(review_model, state, SERIALIZER_VERSION)

    def test_cancel(self, review_model: ModelVersion) -> None:
        runtime = review_runtime()
        inst = runtime.start(review_model, review_data())
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        runtime.cancel(inst)
        snap = runtime.snapshot(inst)
        assert (snap.completed, snap.success, snap.ready, snap.next_timer_at) == (True, False, (), None)


class TestCompletion:
    def test_completing_a_task_that_is_not_ready(self, review_model: ModelVersion) -> None:
        runtime = review_runtime()
        inst = runtime.start(review_model, review_data())
        done = runtime.complete_by_bpmn_id(inst, "execute_task", {})
        with pytest.raises(TaskNotReadyError) as caught:
            runtime.complete(inst, done, {})
        assert (caught.value.code, caught.value.status_code) == ("task_not_ready", 409)
        assert (caught.value.process_id, caught.value.bpmn_task_id) == ("task_review", "execute_task")
        with pytest.raises(TaskNotReadyError):
            runtime.complete(inst, uuid.uuid4(), {})
        with pytest.raises(TaskNotReadyError):
            runtime.complete_by_bpmn_id(inst, "execute_task", {})
        start_task = inst.workflow.task_tree.id  # the engine's root task is not a user task
        with pytest.raises(TaskNotReadyError):
            runtime.complete(inst, start_task, {})

    @pytest.mark.parametrize(
        "data", [{"when": datetime.now(UTC)}, {"ids": ("a", "b")}, {"nested": {1: "x"}}, {"s": {"a"}}]
    )
    def test_non_json_data_refused(self, review_model: ModelVersion, data: dict[str, Any]) -> None:
        runtime = review_runtime()
        with pytest.raises(InvalidProcessDataError):
            runtime.start(review_model, {**review_data(), **data})
        inst = runtime.start(review_model, review_data())
        with pytest.raises(InvalidProcessDataError):
            runtime.complete_by_bpmn_id(inst, "execute_task", data)
        assert [t.bpmn_id for t in runtime.ready_tasks(inst)] == ["execute_task"]

    def test_naive_due_time_refused(self, review_model: ModelVersion) -> None:
        runtime = review_runtime()
        inst = runtime.start(review_model, review_data(review_due_at="2030-01-01T09:00:00"))
        with pytest.raises(EngineStepError, match="explicit offset") as caught:
            runtime.complete_by_bpmn_id(inst, "execute_task", {})
        assert caught.value.bpmn_task_id == "review_overdue"


class TestDelegates:
    def test_delegate_exception_leaves_the_task_in_error(self, review_model: ModelVersion) -> None:
        failures = [RuntimeError("database is down")]

        def approve(context: Any, task_id: str) -> dict[str, str]:
            if failures:
                raise failures.pop()
            return {"approved": task_id}

        runtime = review_runtime(approve)
        inst = runtime.start(review_model, review_data())
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        with pytest.raises(DelegateError) as caught:
            runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "approve"})
        err = caught.value
        assert isinstance(err, WorkflowError)
        assert (err.process_id, err.bpmn_task_id, err.status_code) == ("task_review", "approve_task", 500)
        assert isinstance(err.__cause__, RuntimeError)
        assert "database is down" in err.message
        snap = runtime.snapshot(inst)
        assert (snap.errored, snap.ready, snap.completed) == (("approve_task",), (), False)

        restored = runtime.restore(review_model, snap.state_json, snap.serializer_version)
        assert runtime.retry(restored) == ("approve_task",)
        done = runtime.snapshot(restored)
        assert (done.completed, done.errored) == (True, ())
        assert done.data["approve_result"] == {"approved": "task-1"}

    def test_domain_error_keeps_its_code_and_status(self, review_model: ModelVersion) -> None:
        def approve(context: Any, task_id: str) -> None:
            raise Conflict("已被他人审核 / already reviewed")

        runtime = review_runtime(approve)
        inst = runtime.start(review_model, review_data())
        runtime.complete_by_bpmn_id(inst, "execute_task", {})
        with pytest.raises(DelegateError) as caught:
            runtime.complete_by_bpmn_id(inst, "review_task", {"verdict": "approve"})
        assert (caught.value.code, caught.value.status_code) == ("conflict", 409)
        assert caught.value.message == "已被他人审核 / already reviewed"
        assert caught.value.bpmn_task_id == "approve_task"

    def test_result_must_be_json(self) -> None:
        runtime = ProcessRuntime(registry(clock__now=lambda context: datetime.now(UTC)), cache=SpecCache())
        with pytest.raises(DelegateError, match="not JSON-serialisable"):
            runtime.start(load_model("probe", linear(service("read_clock", "clock.now"))), {})

    def test_unknown_delegate_at_run_time(self) -> None:
        runtime = ProcessRuntime(DelegateRegistry(), cache=SpecCache())
        with pytest.raises(DelegateError) as caught:
            runtime.start(load_model("probe", linear(service("read_clock", "clock.now"))), {})
        assert isinstance(caught.value.__cause__, UnknownDelegateError)

    def test_registry_names(self) -> None:
        reg = registry(tasks__approve_task=noop)
        assert reg.names() == frozenset({"tasks.approve_task"})
        with pytest.raises(ValueError, match="already registered"):
            reg.register("tasks.approve_task", noop)
        with pytest.raises(ValueError, match=r"domain\.verb"):
            reg.register("approve", noop)

    def test_context_lives_for_one_call_and_nests(self) -> None:
        inner_model = load_model("inner", linear(service("note_inner", "probe.inner"), pid="inner"))
        seen: list[tuple[str, Any]] = []
        runtime: ProcessRuntime

        def outer(context: Any, fault_id: str) -> dict[str, str]:
            seen.append(("outer", current_context()))
            runtime.start(inner_model, {}, context="inner-ctx")
            seen.append(("outer-after", current_context()))
            return {"fault_id": fault_id}

        def inner(context: Any) -> None:
            seen.append(("inner", context))

        runtime = ProcessRuntime(registry(probe__outer=outer, probe__inner=inner), cache=SpecCache())
        model = load_model("probe", linear(service("note_outer", "probe.outer", fault_id="fault_id")))
        inst = runtime.start(model, {"fault_id": "f-1"}, context="outer-ctx")
        assert seen == [("outer", "outer-ctx"), ("inner", "inner-ctx"), ("outer-after", "outer-ctx")]
        assert current_context() is None
        assert runtime.snapshot(inst).data["note_outer_result"] == {"fault_id": "f-1"}


class TestScripts:
    def test_scripts_route_data(self) -> None:
        runtime = ProcessRuntime(DelegateRegistry(), cache=SpecCache())
        model = load_model("probe", linear(script("count_round", "round_no = len(items) + 1")))
        snap = runtime.snapshot(runtime.start(model, {"items": ["a", "b"]}))
        assert (snap.completed, snap.data["round_no"]) == (True, 3)

    @pytest.mark.parametrize(
        ("code", "cause"), [("import os", "ImportError"), ("f = open('/etc/hostname')", "NameError")]
    )
    def test_imports_and_unsafe_builtins_refused(self, code: str, cause: str) -> None:
        runtime = ProcessRuntime(DelegateRegistry(), cache=SpecCache())
        model = load_model("probe", linear(script("escape_probe", code)))
        with pytest.raises(EngineStepError, match=cause) as caught:
            runtime.start(model, {})
        assert (caught.value.process_id, caught.value.bpmn_task_id) == ("probe", "escape_probe")
        assert caught.value.__cause__ is not None

"""Load and validate BPMN/DMN models: one :class:`ModelVersion` per process and set of sources.

Validation is layered (notes §1.2-1.3): well-formed XML, the BPMN + Spiff XSD, the parser's semantic
checks at ``get_spec``, Python syntax of every script, condition, service parameter and timer
expression, literal timer values, and our modelling rules:

- no event subprocesses (they do not interrupt in 3.2.0 and mutate the shared spec, notes §0.4-5);
- no plain ``bpmn:task`` or ``bpmn:manualTask`` (they silently become human steps, notes §0.10);
- every service-task operator is a registered delegate, when a registry is given;
- literal ``timeDate`` values carry an explicit UTC offset.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.resources
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from lxml import etree  # type: ignore[import-untyped]
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions import (
    ConditionalEventDefinition,
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    MultipleEventDefinition,
    TimeDateEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine.errors import WorkflowError
from engine.spiff.delegates import DelegateRegistry

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_NS = {"bpmn": BPMN_NS}
#: A bare name that is really an unquoted ISO 8601 literal (``PT1H``, ``P3D``, ``R3/PT1H``).
_UNQUOTED_ISO = re.compile(r"^(R\d*_?)?P(T?\d)")
#: lxml parser that neither resolves entities nor touches the network (admin-uploaded XML).
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class BpmnValidationError(WorkflowError):
    """A model failed validation (422).

    Attributes:
        errors: Human-readable problems, each prefixed with file, process or task where known.
    """

    code = "bpmn_invalid"
    status_code = 422

    def __init__(self, errors: list[str], *, process_id: str = "") -> None:
        shown = "; ".join(errors[:5]) + (f" (+{len(errors) - 5} more)" if len(errors) > 5 else "")
        super().__init__(f"BPMN 模型无效 / invalid BPMN model: {shown}", process_id=process_id)
        self.errors = list(errors)


@dataclass(frozen=True)
class ModelVersion:
    """One parsed, validated version of a process model.

    Attributes:
        process_id: The executable process id (== file stem for our diagrams).
        sha256: Hex digest identifying this version (see :func:`model_sha256`); the spec key stored
            inside serialized instance state.
        spec: The SpiffWorkflow ``BpmnProcessSpec`` of ``process_id``.
        subprocess_specs: ``{process id: spec}`` of embedded subprocesses and call-activity targets.
        sources: ``{file name: bytes}`` of every file the version was parsed from (read-only).
    """

    process_id: str
    sha256: str
    spec: Any
    subprocess_specs: dict[str, Any]
    sources: Mapping[str, bytes]


class SpecCache:
    """Process-wide, thread-safe cache of parsed models keyed by ``ModelVersion.sha256``."""

    def __init__(self) -> None:
        self._models: dict[str, ModelVersion] = {}
        self._lock = threading.Lock()

    def get(self, sha256: str) -> ModelVersion | None:
        """The cached model with this hash, or ``None``."""
        with self._lock:
            return self._models.get(sha256)

    def put(self, model: ModelVersion) -> None:
        """Cache ``model`` (the first one stored under a hash wins; equal hashes mean equal sources)."""
        with self._lock:
            self._models.setdefault(model.sha256, model)

    def __len__(self) -> int:
        with self._lock:
            return len(self._models)


def model_sha256(process_id: str, sources: Mapping[str, bytes]) -> str:
    """Hex sha256 identifying a model version.

    The digest covers the process id and every ``(file name, bytes)`` pair in sorted name order, each
    part length-prefixed, so the three processes of one set of sources get different keys.
    """
    digest = hashlib.sha256(b"fireops-model-v1\0")
    for part in _hash_parts(process_id, sources):
        digest.update(str(len(part)).encode("ascii") + b":" + part)
    return digest.hexdigest()


def _hash_parts(process_id: str, sources: Mapping[str, bytes]) -> Iterator[bytes]:
    yield process_id.encode("utf-8")
    for name in sorted(sources):
        yield name.encode("utf-8")
        yield bytes(sources[name])


def builtin_sources() -> dict[str, bytes]:
    """Every ``*.bpmn`` and ``*.dmn`` file shipped in the ``bpmn`` package, ``{file name: bytes}``."""
    root = importlib.resources.files("bpmn")
    return {
        entry.name: entry.read_bytes()
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.is_file() and entry.name.endswith((".bpmn", ".dmn"))
    }


def validate_bpmn(sources: Mapping[str, bytes], *, registry: DelegateRegistry | None = None) -> list[str]:
    """Validate a set of BPMN/DMN sources completely, without running them.

    Args:
        sources: ``{file name: bytes}``; names ending in ``.bpmn`` or ``.dmn``.
        registry: When given, every service-task operator must be one of its names.

    Returns:
        The problems found, empty when the sources are valid. Each names the file (XML, XSD and
        modelling rules, with line numbers) or ``process/task`` (semantic and expression checks).
    """
    return _validate(sources, registry)[1]


def load_model(
    process_id: str, sources: Mapping[str, bytes], *, registry: DelegateRegistry | None = None
) -> ModelVersion:
    """Validate ``sources`` and parse the executable process ``process_id`` from them.

    Args:
        process_id: Executable process id to load (== the diagram's file stem).
        sources: ``{file name: bytes}`` of every file the process (and its call activities) needs.
        registry: When given, service-task operators must be registered delegates.

    Returns:
        The parsed model; ``sha256`` is :func:`model_sha256` of ``process_id`` and all ``sources``.

    Raises:
        BpmnValidationError: the sources are invalid or do not define ``process_id`` (422).
    """
    parser, errors = _validate(sources, registry)
    if parser is None or errors:
        raise BpmnValidationError(errors, process_id=process_id)
    if process_id not in parser.get_process_ids():
        known = ", ".join(sorted(parser.get_process_ids()))
        missing = f"no executable process {process_id!r} (found: {known})"
        raise BpmnValidationError([missing], process_id=process_id)
    frozen = MappingProxyType({name: bytes(data) for name, data in sources.items()})
    return ModelVersion(
        process_id=process_id,
        sha256=model_sha256(process_id, frozen),
        spec=parser.get_spec(process_id),
        subprocess_specs=parser.get_subprocess_specs(process_id),
        sources=frozen,
    )


def _validate(
    sources: Mapping[str, bytes], registry: DelegateRegistry | None
) -> tuple[SpiffBpmnParser | None, list[str]]:
    """Parse and check everything; the parser is ``None`` when a file could not be read at all."""
    parser, errors = _parse(sources, registry)
    if parser is None:
        return None, errors
    for pid in parser.get_process_ids():
        try:
            specs = {pid: parser.get_spec(pid), **parser.get_subprocess_specs(pid)}
        except (ValidationException, SpiffWorkflowException) as exc:
            errors.append(f"{pid}: {_describe(exc)}")
            continue
        for spec in specs.values():
            if spec is not None:
                errors.extend(_check_spec(spec, registry))
    return parser, list(dict.fromkeys(errors))


def _parse(
    sources: Mapping[str, bytes], registry: DelegateRegistry | None
) -> tuple[SpiffBpmnParser | None, list[str]]:
    """Add every source to one validating parser; ``(None, errors)`` when a file is unreadable."""
    parser = SpiffBpmnParser(validator=VALIDATOR)
    errors: list[str] = []
    if not sources:
        return None, ["no BPMN sources"]
    for name in sorted(sources):
        try:
            root = etree.fromstring(bytes(sources[name]), parser=_XML_PARSER)
            if name.endswith(".bpmn"):
                errors.extend(f"{name}: {e}" for e in _modelling_rules(root, registry))
                parser.add_bpmn_xml(root, filename=name)
            elif name.endswith(".dmn"):
                parser.add_dmn_xml(root, filename=name)
            else:
                errors.append(f"{name}: not a .bpmn or .dmn file")
        except etree.XMLSyntaxError as exc:
            errors.append(f"{name}: malformed XML: {exc}")
        except (ValidationException, SpiffWorkflowException) as exc:
            errors.append(f"{name}: {_describe(exc)}")
    return (None if errors else parser), errors


def _modelling_rules(root: Any, registry: DelegateRegistry | None) -> Iterator[str]:
    """Our rules on the raw XML, with line numbers (the parser would accept these)."""
    for el in root.iterfind(".//bpmn:subProcess", _NS):
        if el.get("triggeredByEvent") == "true":
            yield f"line {el.sourceline}: event subprocess {el.get('id')!r} not allowed (use boundary events)"
    for tag in ("task", "manualTask"):
        for el in root.iterfind(f".//bpmn:{tag}", _NS):
            yield (
                f"line {el.sourceline}: bpmn:{tag} {el.get('id')!r} is not allowed "
                "(use a userTask for people, a serviceTask or scriptTask for the system)"
            )
    if registry is not None:
        known = registry.names()
        spiff = "{http://spiffworkflow.org/bpmn/schema/1.0/core}serviceTaskOperator"
        for el in root.iter(spiff):
            if el.get("id") not in known:
                yield f"line {el.sourceline}: unknown service operator {el.get('id')!r}"


def _check_spec(spec: Any, registry: DelegateRegistry | None) -> Iterator[str]:
    """Python syntax of every expression of ``spec`` and the literal timer values."""
    for ts in spec.task_specs.values():
        where = f"{spec.name}/{getattr(ts, 'bpmn_id', None) or ts.name}"
        code: list[tuple[str, str, str]] = []
        if isinstance(ts, ScriptTask):
            code.append(("script", ts.script or "", "exec"))
        code += [(a, getattr(ts, a), "exec") for a in ("prescript", "postscript") if getattr(ts, a, None)]
        conditions = [c for c, _ in getattr(ts, "cond_task_specs", []) if c is not None]
        code += [("condition", c.args[0] or "", "eval") for c in conditions]
        operation = getattr(ts, "operation_name", None)
        if operation is not None:
            if registry is not None and operation not in registry:
                yield f"{where}: unknown service operator {operation!r}"
            params = ts.operation_params.items()
            code += [(f"parameter {k}", str(p.get("value", "")), "eval") for k, p in params]
        for definition in _event_definitions(getattr(ts, "event_definition", None)):
            if isinstance(definition, TimerEventDefinition | ConditionalEventDefinition):
                code.append(
                    (
                        "timer" if isinstance(definition, TimerEventDefinition) else "condition",
                        definition.expression or "",
                        "eval",
                    )
                )
        for label, source, mode in code:
            try:
                tree = ast.parse(source, mode=mode)
            except SyntaxError as exc:
                yield f"{where}: {label}: line {exc.lineno}: {exc.msg}"
                continue
            if label == "timer":
                yield from (f"{where}: timer: {msg}" for msg in _check_timer(ts.event_definition, tree))


def _event_definitions(definition: Any) -> list[Any]:
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [] if definition is None else [definition]


def _check_timer(definition: Any, tree: Any) -> Iterator[str]:
    """Literal timer values must parse; literal dates need an offset; ISO text must be quoted."""
    body = tree.body
    if isinstance(body, ast.Name) and _UNQUOTED_ISO.match(body.id):
        yield f'{body.id} looks like an ISO 8601 literal: quote it ("{body.id}")'
        return
    if not (isinstance(body, ast.Constant) and isinstance(body.value, str)):
        return  # computed at run time from task data
    value = body.value
    for timer in _event_definitions(definition):
        try:
            if isinstance(timer, TimeDateEventDefinition):
                if "W" not in value.upper() and datetime.fromisoformat(value).tzinfo is None:
                    yield f"{value!r} has no UTC offset (write e.g. +08:00)"
            elif isinstance(timer, DurationTimerEventDefinition):
                TimerEventDefinition.parse_iso_duration(value)
            elif isinstance(timer, CycleTimerEventDefinition):
                TimerEventDefinition.parse_iso_recurring_interval(value)
        except Exception as exc:
            yield f"{value!r} is not a valid timer value: {exc}"


def _describe(exc: BaseException) -> str:
    """A ValidationException as one line: message, element id and line number where known."""
    parts = [str(exc).strip()]
    for attr, label in (("id", "id"), ("line_number", "line")):
        value = getattr(exc, attr, "")
        if value:
            parts.append(f"{label} {value}")
    return " | ".join(parts)

"""Spec-less workflow state (notes §3.3 B): the JSON holds tasks and data, not the process spec.

The ``spec`` field of the top-level workflow holds the model's sha256 instead of the serialized spec;
on restore the spec comes from the :class:`~engine.spiff.specs.ModelVersion` passed in (or the
:class:`~engine.spiff.specs.SpecCache`). State is about a third of the size of Spiff's default JSON
and deserializes several times faster. The converter uses non-public Spiff helpers
(``mapping_from_dict``, ``set_default_attributes``), hence the exact ``SpiffWorkflow==3.2.0`` pin.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.errors import WorkflowError
from engine.spiff.specs import ModelVersion, SpecCache

#: The only state format :meth:`StateSerializer.loads` accepts: Spiff's format ``1.5`` minus the spec.
SERIALIZER_VERSION = f"{SPIFF_SERIALIZER_VERSION}-specless"
#: Attribute on a ``BpmnWorkflow`` holding the sha256 of its model (the spec key in the JSON).
MODEL_KEY_ATTR = "fireops_model_sha256"


class SerializerVersionError(WorkflowError):
    """Stored state was written in a format this build cannot read (500: migrate before upgrading)."""

    code = "unknown_serializer_version"
    status_code = 500


class ModelMismatchError(WorkflowError):
    """Stored state belongs to a different model version than the one offered (500)."""

    code = "model_mismatch"
    status_code = 500


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]
    """``BpmnWorkflow`` converter writing ``spec = model sha256`` and no subprocess specs."""

    def __init__(self, registry: Any, cache: SpecCache) -> None:
        super().__init__(BpmnWorkflow, registry)
        self.cache = cache

    def to_dict(self, workflow: Any) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["spec"] = getattr(workflow, MODEL_KEY_ATTR)
        dct["subprocess_specs"] = {}
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self, dct: dict[str, Any], model: ModelVersion | None = None, script_engine: Any = None
    ) -> Any:
        key = dct.pop("spec")
        dct.pop("subprocess_specs", None)
        model = model or self.cache.get(key)
        if model is None:
            raise ModelMismatchError(f"state refers to model {key}, which is not loaded")
        if model.sha256 != key:
            raise ModelMismatchError(
                f"state belongs to model {key}, not {model.sha256}", process_id=model.process_id
            )
        workflow = BpmnWorkflow(
            model.spec, model.subprocess_specs, script_engine=script_engine, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        setattr(workflow, MODEL_KEY_ATTR, key)
        return workflow


class StateSerializer:
    """Turns a ``BpmnWorkflow`` into spec-less JSON and back. Safe to share between threads."""

    def __init__(self, cache: SpecCache) -> None:
        registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
        _SpeclessWorkflowConverter(registry, cache)  # replaces the default BpmnWorkflow converter
        self._serializer = BpmnWorkflowSerializer(registry, version=SERIALIZER_VERSION)
        self._registry = registry
        # serialize_json flips a flag on the shared registry while encoding; one encoder at a time.
        self._lock = threading.Lock()

    def dumps(self, workflow: Any) -> str:
        """The workflow's state as JSON text, without the spec, in format :data:`SERIALIZER_VERSION`."""
        with self._lock:
            state: str = self._serializer.serialize_json(workflow)
        return state

    def loads(self, model: ModelVersion, state_json: str, serializer_version: str, script_engine: Any) -> Any:
        """Restore a workflow written by :meth:`dumps` against ``model``.

        Args:
            model: The model version the state was written with (its sha256 must match the state's).
            state_json: JSON text from :meth:`dumps`.
            serializer_version: The version stored beside the state; must be :data:`SERIALIZER_VERSION`.
            script_engine: The engine the restored workflow runs scripts and service tasks with.

        Returns:
            The restored ``BpmnWorkflow``.

        Raises:
            SerializerVersionError: the stored or embedded version is not :data:`SERIALIZER_VERSION`.
            ModelMismatchError: the state belongs to another model version.
            WorkflowError: the text is not a workflow state document.
        """
        if serializer_version != SERIALIZER_VERSION:
            raise SerializerVersionError(
                f"serializer version {serializer_version!r} not supported (expected {SERIALIZER_VERSION!r})",
                process_id=model.process_id,
            )
        try:
            dct = json.loads(state_json)
        except ValueError as exc:
            raise WorkflowError(f"workflow state is not JSON: {exc}", process_id=model.process_id) from exc
        if not isinstance(dct, dict) or dct.get("typename") != "BpmnWorkflow":
            raise WorkflowError("workflow state is not a BpmnWorkflow document", process_id=model.process_id)
        embedded = dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None)
        if embedded != SERIALIZER_VERSION:
            raise SerializerVersionError(
                f"state was written with serializer version {embedded!r}", process_id=model.process_id
            )
        return self._registry.restore(dct, model=model, script_engine=script_engine)

"""Import every table module so ``Base.metadata`` is complete (Alembic, tests)."""

from engine.codes import CodeCounter
from engine.processes.models import ProcessInstanceRecord, ProcessModel, WorkItem
from engine.scheduler import SchedulerLease
from workflows.agencies.models import Agency
from workflows.audit.models import AuditEntry
from workflows.catalog.models import CatalogCategory, CatalogFacility, CatalogSystem, TestItem
from workflows.chat.models import ChatBinding, ChatBindingCode, ChatDialog, TelegramUpdate
from workflows.contracts.models import Contract
from workflows.faults.models import Fault, FaultEvent
from workflows.filings.models import Filing
from workflows.lifecycle.models import ProjectClosure, Suspension, SuspensionFile
from workflows.notifications.models import OutboxMessage
from workflows.owners.models import Owner
from workflows.owners.view_models import OwnerView
from workflows.people.models import Person
from workflows.plans.models import Plan, PlanLine
from workflows.projects.models import Building, Project, ProjectFacility
from workflows.ratings.models import ServiceRating
from workflows.reminders.models import Reminder
from workflows.repairs.models import RepairPhoto, RepairRequest
from workflows.reports.models import Report, ReportTask
from workflows.reviews.models import ReviewEntry
from workflows.special_sites.models import DirectUploadAttachment, DirectUploadRequest
from workflows.tasks.models import ItemResult, Photo, Task, TaskLine

__all__ = [
    "Agency",
    "AuditEntry",
    "Building",
    "CatalogCategory",
    "CatalogFacility",
    "CatalogSystem",
    "ChatBinding",
    "ChatBindingCode",
    "ChatDialog",
    "CodeCounter",
    "Contract",
    "DirectUploadAttachment",
    "DirectUploadRequest",
    "Fault",
    "FaultEvent",
    "Filing",
    "ItemResult",
    "OutboxMessage",
    "Owner",
    "OwnerView",
    "Person",
    "Photo",
    "Plan",
    "PlanLine",
    "ProcessInstanceRecord",
    "ProcessModel",
    "Project",
    "ProjectClosure",
    "ProjectFacility",
    "Reminder",
    "RepairPhoto",
    "RepairRequest",
    "Report",
    "ReportTask",
    "ReviewEntry",
    "SchedulerLease",
    "ServiceRating",
    "Suspension",
    "SuspensionFile",
    "Task",
    "TaskLine",
    "TelegramUpdate",
    "TestItem",
    "WorkItem",
]

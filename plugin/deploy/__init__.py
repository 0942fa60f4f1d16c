"""Deploy instruments to a REDCap project: compare, plan, refuse data loss, and say how to apply
(API calls for a development project, a Draft Mode package for a production one). The plan is
pure; only :mod:`plugin.deploy.apply` talks to REDCap, through the project's client."""

from plugin.deploy.changes import (
    ChoiceLoss,
    ColumnChange,
    DataLoss,
    FieldChange,
    FormChange,
    ItemChange,
)
from plugin.deploy.draft import DraftPackage, draft_mode_package
from plugin.deploy.plan import Plan, make_plan
from plugin.deploy.project import CurrentProject, DesiredProject, FieldUsage, desired_project
from plugin.deploy.render import render_plan
from plugin.deploy.steps import DeployRefused, Step, apply_steps

__all__ = [
    "ChoiceLoss",
    "ColumnChange",
    "CurrentProject",
    "DataLoss",
    "DeployRefused",
    "DesiredProject",
    "DraftPackage",
    "FieldChange",
    "FieldUsage",
    "FormChange",
    "ItemChange",
    "Plan",
    "Step",
    "apply_steps",
    "desired_project",
    "draft_mode_package",
    "make_plan",
    "render_plan",
]

"""The reports domain: report runs built from the ledger's postings (and the orders, reward links and
points they book), their published files, schedules, and closed monthly statements."""

from rewardkit.kit.module import Module
from rewardkit.reports import tasks
from rewardkit.reports.api import router
from rewardkit.reports.cli import reports_app
from rewardkit.reports.examples import REQUEST_EXAMPLES, RESPONSES
from rewardkit.reports.models import (
    EVENT_TYPES,
    RUN_JOB,
    SCHEDULE_JOB,
    ReportChunk,
    ReportRun,
    ReportSchedule,
    StatementPeriod,
)

MODULE = Module(
    name="reports",
    routers=(router,),
    tags=(
        {
            "name": "Reports",
            "description": "Report runs from the ledger (CSV, JSON Lines), schedules, monthly statements.",
        },
    ),
    examples=RESPONSES,
    request_examples=REQUEST_EXAMPLES,
    jobs={RUN_JOB: tasks.run, SCHEDULE_JOB: tasks.schedule},
    events=EVENT_TYPES,
    tables=(ReportRun, ReportChunk, ReportSchedule, StatementPeriod),
    cli=(("reports", reports_app),),
)

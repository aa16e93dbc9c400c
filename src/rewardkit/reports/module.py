"""The reports domain: report runs built from the ledger's postings (and the orders, reward links and
points they book), their published files, schedules, and closed monthly statements."""

from rewardkit.kit.module import Module
from rewardkit.reports.models import EVENT_TYPES, ReportChunk, ReportRun, ReportSchedule, StatementPeriod

MODULE = Module(
    name="reports",
    events=EVENT_TYPES,
    tables=(ReportRun, ReportChunk, ReportSchedule, StatementPeriod),
)

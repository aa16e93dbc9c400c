"""The problems of reports, each with a stable code (documented at /problems/{code})."""

from rewardkit.kit.errors import Problem


class ReportNotFound(Problem):
    """Also another org's run, or a live run asked with a test key."""

    status, code, title = 404, "report_not_found", "No such report run"


class ScheduleNotFound(Problem):
    status, code, title = 404, "report_schedule_not_found", "No such report schedule"


class ReportNotReady(Problem):
    """The run is pending (try again when its status is `succeeded`) or it failed (see its `error`)."""

    status, code, title = 409, "report_not_ready", "The report has no file to download"


class UnknownTimezone(Problem):
    status, code, title = 422, "unknown_timezone", "Not an IANA time zone"


class InvalidInterval(Problem):
    """interval_end must be after interval_start; both ISO 8601 dates or datetimes, or Unix seconds."""

    status, code, title = 422, "invalid_interval", "The interval is not valid"


class IntervalTooLong(Problem):
    """An interval spans at most 366 days (one report per year at most): ask for several runs."""

    status, code, title = 422, "interval_too_long", "The interval is longer than a report may cover"


class IntervalBeyondData(Problem):
    """interval_end is in the future: no data is available there yet, and a run must never change."""

    status, code, title = 422, "interval_beyond_data", "The interval ends after the data available"


class UnknownColumn(Problem):
    """The columns of each type are listed in docs/reports.md."""

    status, code, title = 422, "unknown_column", "A column is not one of the report type's"


class ReportTypeUnavailable(Problem):
    """The product the report type reads (reward links, reward points) is not installed here."""

    status, code, title = 422, "report_type_unavailable", "This report type's product is not available"


class InvalidMonth(Problem):
    """month is YYYY-MM, and a statement is of a month that has begun."""

    status, code, title = 422, "invalid_month", "The month is not valid"


class ReportTieOutFailed(Problem):
    """Published as a failed run's `error`: the figures did not tie to the ledger, so no file was written."""

    status, code, title = 409, "report_tie_out_failed", "The report's figures do not tie to the ledger"


class UnknownCurrency(Problem):
    status, code, title = 422, "unknown_currency", "Not an ISO 4217 currency"

"""The jobs domain: the durable job table, the worker, housekeeping."""

from rewardkit.jobs import retention, service, tasks
from rewardkit.jobs.cli import jobs_app
from rewardkit.jobs.models import Job
from rewardkit.kit.metrics import ScrapeGauge
from rewardkit.kit.module import Module

MODULE = Module(
    name="jobs",
    jobs={tasks.MAINTENANCE_JOB: tasks.maintenance},
    tables=(Job,),
    cli=(("jobs", jobs_app),),
    retention=retention.RULES,
    gauges=(
        ScrapeGauge(
            "rewardkit_jobs", "Jobs waiting, running or dead, by kind and state (succeeded ones are not counted).",
            ("kind", "state"), service.open_job_counts,
        ),  # fmt: skip
    ),
)

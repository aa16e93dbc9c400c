"""The jobs domain: the durable job table, the worker, housekeeping."""

from rewardkit.jobs import retention, tasks
from rewardkit.jobs.cli import jobs_app
from rewardkit.jobs.models import Job
from rewardkit.kit.module import Module

MODULE = Module(
    name="jobs",
    jobs={tasks.MAINTENANCE_JOB: tasks.maintenance},
    tables=(Job,),
    cli=(("jobs", jobs_app),),
    retention=retention.RULES,
)

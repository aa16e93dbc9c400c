"""What the jobs domain's housekeeping deletes: finished jobs and expired idempotency records."""

from __future__ import annotations

from datetime import timedelta

from rewardkit.jobs.models import Job
from rewardkit.kit.idempotency import IdempotencyRecord
from rewardkit.kit.retention import Purge

# Queued and running jobs are never purged, however old: they are work still to do.
SUCCEEDED_JOBS = Purge(
    "succeeded jobs",
    Job,
    keep=lambda s: timedelta(days=s.retention_succeeded_jobs_days),
    where=lambda cutoff: (Job.status == "succeeded") & (Job.updated_at < cutoff),
)
DEAD_JOBS = Purge(
    "dead jobs",
    Job,
    keep=lambda s: timedelta(days=s.retention_dead_jobs_days),
    where=lambda cutoff: (Job.status == "dead") & (Job.updated_at < cutoff),
)
# A record answers replays until its expires_at (REWARDKIT_IDEMPOTENCY_TTL_HOURS after the request).
IDEMPOTENCY_RECORDS = Purge(
    "idempotency records",
    IdempotencyRecord,
    keep=lambda s: timedelta(0),
    where=lambda cutoff: IdempotencyRecord.expires_at <= cutoff,
)

RULES = (SUCCEEDED_JOBS, DEAD_JOBS, IDEMPOTENCY_RECORDS)

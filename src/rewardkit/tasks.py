"""Every job kind and its handler, in one place (like models.py for tables)."""

from rewardkit.jobs import tasks as job_tasks
from rewardkit.jobs.worker import Handler
from rewardkit.orders import tasks as order_tasks
from rewardkit.webhooks import tasks as webhook_tasks

HANDLERS: dict[str, Handler] = {
    "orders.fulfil": order_tasks.fulfil,
    job_tasks.MAINTENANCE_JOB: job_tasks.maintenance,
    "webhooks.deliver": webhook_tasks.deliver,
}

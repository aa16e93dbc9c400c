"""Every job kind and its handler, in one place (like models.py for tables)."""

from rewardkit.jobs.worker import Handler
from rewardkit.orders import tasks as order_tasks

HANDLERS: dict[str, Handler] = {
    "orders.fulfil": order_tasks.fulfil,
}

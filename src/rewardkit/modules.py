"""Every domain of rewardkit, in one list: the only place that names them.

The app (routers, pages, OpenAPI tags and examples), the job registry, the event types, the CLI,
the tables Alembic sees and the runtime's resources are all built from this list. Order matters
where it shows: OpenAPI tags and routes appear in this order, and resources open in it (and close in
the reverse). Adding a domain: CONTRIBUTING.md.
"""

from rewardkit.assistant.module import MODULE as ASSISTANT
from rewardkit.auth.module import MODULE as AUTH
from rewardkit.catalog.module import MODULE as CATALOG
from rewardkit.events.module import MODULE as EVENTS
from rewardkit.guides.module import MODULE as GUIDES
from rewardkit.jobs.module import MODULE as JOBS
from rewardkit.kit.module import Module
from rewardkit.ledger.module import MODULE as LEDGER
from rewardkit.links.module import MODULE as LINKS
from rewardkit.mailbox.module import MODULE as MAILBOX
from rewardkit.orders.module import MODULE as ORDERS
from rewardkit.points.module import MODULE as POINTS
from rewardkit.reconciliation.module import MODULE as RECONCILIATION
from rewardkit.reports.module import MODULE as REPORTS
from rewardkit.rotation.module import MODULE as ROTATION
from rewardkit.sms.module import MODULE as SMS
from rewardkit.storefront.module import MODULE as STOREFRONT
from rewardkit.suppliers.module import MODULE as SUPPLIERS
from rewardkit.webhooks.module import MODULE as WEBHOOKS

MODULES: tuple[Module, ...] = (
    ORDERS, LINKS, POINTS, CATALOG, LEDGER, WEBHOOKS, EVENTS, AUTH, SUPPLIERS, JOBS, ROTATION, MAILBOX, SMS,
    STOREFRONT,
    REPORTS,
    RECONCILIATION,
    ASSISTANT, GUIDES,  # the assistant's /guides/search and /guides/ask before the guides' /guides/{page}
)  # fmt: skip

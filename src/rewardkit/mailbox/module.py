"""The mailbox domain: the emails rewardkit sends (templates, an org's own templates and their API, the
`mail.send` job), the SMTP client as a runtime part, and the development mail catcher with its pages
(docs/email.md)."""

from rewardkit.kit.mail import Mailer
from rewardkit.kit.module import Module
from rewardkit.mailbox import tasks
from rewardkit.mailbox.api import router
from rewardkit.mailbox.catcher import MailCatcher
from rewardkit.mailbox.models import SEND_JOB, MailTemplate
from rewardkit.mailbox.pages import router as pages
from rewardkit.mailbox.schemas import TEMPLATE_EXAMPLE

MODULE = Module(
    name="mailbox",
    routers=(router,),
    pages=(pages,),
    tags=({"name": "Email", "description": "The templates of the emails your recipients get."},),
    examples={op: TEMPLATE_EXAMPLE for op in ("getEmailTemplate", "replaceEmailTemplate", "deleteEmailTemplate")},
    jobs={SEND_JOB: tasks.send},
    tables=(MailTemplate,),
    resources=(Mailer.open, MailCatcher.open),
)

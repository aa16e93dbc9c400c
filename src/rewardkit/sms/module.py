"""The sms domain: text messages queued by other domains (reward links), sent by the `sms.send` job
through the provider of their mode (kit/sms.py, sms/gateway.py). No routes of its own."""

from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module
from rewardkit.sms import retention, tasks
from rewardkit.sms.gateway import SmsGateway
from rewardkit.sms.models import SEND_JOB, SmsMessage

MODULE = Module(
    name="sms",
    jobs={SEND_JOB: tasks.send},
    tables=(SmsMessage,),
    resources=(SmsGateway.open,),
    sealed=(Sealed(SmsMessage, ("to_sealed", "body_sealed")),),
    retention=retention.RULES,
)

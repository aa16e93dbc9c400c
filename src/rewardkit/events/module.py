"""The events domain: every change's event row, written in the change's transaction. The types come
from the modules that emit them; the events API and deliveries are the webhooks domain's."""

from rewardkit.events.models import Event, EventSequence
from rewardkit.kit.crypto import Sealed
from rewardkit.kit.module import Module

MODULE = Module(name="events", tables=(Event, EventSequence), sealed=(Sealed(Event, ("payload",)),))

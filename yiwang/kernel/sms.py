"""Sending text messages through an adapter.

The default gateway sends nothing: it logs the message to the console and records it in the
``SmsMessage`` table a developer can read. A real gateway (a carrier's or a cloud SMS API) is
an adapter with the same ``send`` method, chosen by ``YIWANG_SMS_GATEWAY``; tests never call
one.
"""

from __future__ import annotations

import functools
import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from yiwang.kernel.fields import SensitiveKind, mask
from yiwang.kernel.models import SmsMessage

log = logging.getLogger(__name__)


class SmsGateway(Protocol):
    name: str

    def send(self, mobile: str, body: str) -> None: ...


class LocalGateway:
    """Writes to the console and the SmsMessage table; reaches no phone."""

    name = "local"

    def send(self, mobile: str, body: str) -> None:
        SmsMessage.objects.create(mobile=mobile, body=body, gateway=self.name)
        log.info("SMS to %s: %s", mask(mobile, SensitiveKind.MOBILE), body)


@functools.cache
def gateway() -> SmsGateway:
    path: str = settings.YIWANG_SMS_GATEWAY
    gateway_class = import_string(path)
    instance: SmsGateway = gateway_class()
    return instance


def send_sms(mobile: str, body: str) -> None:
    gateway().send(mobile, body)

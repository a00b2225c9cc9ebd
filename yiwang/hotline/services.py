"""The work-order engine's services (受理 → 派单 → 办理 → 答复 → 督办 → 办结 → 回访 → 评价).

Every write is one ``@transaction.atomic`` function with a keyword-only ``actor``, audited,
its refusals recorded. The code lives in ``services_*.py`` by stage; import it from here."""

from __future__ import annotations

from yiwang.hotline.deadlines import mark_deadlines, seconds_left
from yiwang.hotline.services_answer import answer_from_article
from yiwang.hotline.services_handling import (
    complete,
    decide_extension,
    reply,
    request_extension,
    review_send_back,
    send_back,
    sign_for,
    supervise,
)
from yiwang.hotline.services_intake import create_order, dispatch, route, rule_for
from yiwang.hotline.services_loop import (
    merge,
    metres,
    rate,
    record_callback,
    reopen,
    similar_orders,
)

__all__ = [
    "answer_from_article",
    "complete",
    "create_order",
    "decide_extension",
    "dispatch",
    "mark_deadlines",
    "merge",
    "metres",
    "rate",
    "record_callback",
    "reopen",
    "reply",
    "request_extension",
    "review_send_back",
    "route",
    "rule_for",
    "seconds_left",
    "send_back",
    "sign_for",
    "similar_orders",
    "supervise",
]

"""Hotline error codes. Values are part of the public API: never rename one. (Open311 answers
report errors in GeoReport v2's own format: ``[{"code": <int>, "description": ...}]``.)"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "hotline_not_found"
    ORDER_INVALID = "hotline_order_invalid"  # details.errors: {field: [messages]}
    TEXT_EMPTY = "hotline_text_empty"
    TEXT_TOO_LONG = "hotline_text_too_long"
    UNKNOWN_TOPIC = "hotline_unknown_topic"
    UNKNOWN_REGION = "hotline_unknown_region"
    COORDINATES_INVALID = "hotline_coordinates_invalid"
    NO_RULE = "hotline_no_dispatch_rule"
    NOT_HOLDER = "hotline_department_not_holder"  # acting on an order it does not hold
    STATUS_TRANSITION = "hotline_status_transition_invalid"
    REASON_REQUIRED = "hotline_reason_required"
    REPLY_EMPTY = "hotline_reply_empty"
    RATING_INVALID = "hotline_rating_invalid"
    ALREADY_RATED = "hotline_already_rated"
    REOPEN_CLOSED = "hotline_reopen_window_closed"
    MERGE_INVALID = "hotline_merge_invalid"
    ARTICLE_INVALID = "hotline_article_invalid"
    MODEL_MISSING = "hotline_model_missing"  # the classifier has not been trained
    RATE_LIMITED = "hotline_rate_limited"

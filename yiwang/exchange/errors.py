"""Exchange error codes. Values are part of the public API: never rename one."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "exchange_not_found"
    RESOURCE_INVALID = "exchange_resource_invalid"  # details.errors points at each bad field
    DUPLICATE_FIELD = "exchange_duplicate_field"
    UNKNOWN_SOURCE = "exchange_unknown_authoritative_source"
    STATUS_TRANSITION = "exchange_status_transition_invalid"
    #: A peer node's catalogue entry (``origin_node`` set): only its own node changes it.
    REMOTE_READ_ONLY = "exchange_resource_remote_read_only"
    MOUNT_INVALID = "exchange_mount_invalid"
    FILE_TOO_LARGE = "exchange_file_too_large"
    NOT_SHAREABLE = "exchange_resource_not_shareable"
    REQUEST_INVALID = "exchange_request_invalid"
    REASON_REQUIRED = "exchange_reason_required"
    NOT_PERMITTED = "exchange_not_permitted"
    UNAUTHENTICATED = "exchange_app_unauthenticated"
    NO_GRANT = "exchange_no_grant"
    GRANT_EXPIRED = "exchange_grant_expired"
    GRANT_REVOKED = "exchange_grant_revoked"
    FIELDS_NOT_GRANTED = "exchange_fields_not_granted"
    QUERY_INVALID = "exchange_query_invalid"  # e.g. a malformed ID number
    RATE_LIMITED = "exchange_rate_limited"
    NODE_UNKNOWN = "exchange_node_unknown"
    MESSAGE_FORGED = "exchange_message_signature_invalid"
    MESSAGE_REPLAYED = "exchange_message_replayed"
    MESSAGE_STALE = "exchange_message_stale"
    PEER_UNAVAILABLE = "exchange_peer_unavailable"
    #: An API mount's upstream: unreachable or an error status (502), too slow (504), or an
    #: answer that is not JSON records within the size cap (502).
    UPSTREAM_UNAVAILABLE = "exchange_upstream_unavailable"
    UPSTREAM_TIMEOUT = "exchange_upstream_timeout"
    UPSTREAM_INVALID = "exchange_upstream_invalid"
    #: A query by key on a file-mounted resource: the file is downloaded from ``/file``.
    FILE_NOT_QUERYABLE = "exchange_file_not_queryable"
    LOG_BROKEN = "exchange_log_chain_broken"

"""Open-data error codes. Values are part of the public API: never rename one.

The CKAN Action API reports errors in CKAN's own envelope (``error.__type``); these codes are
what the rest of the platform (pages, the Yiwang JSON API, the audit trail) sees."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    NOT_FOUND = "opendata_not_found"
    NOT_PERMITTED = "opendata_not_permitted"
    DATASET_INVALID = "opendata_dataset_invalid"  # details.errors: {field: [messages]}
    NAME_TAKEN = "opendata_name_taken"
    ORGANIZATION_REQUIRED = "opendata_organization_required"
    RESOURCE_INVALID = "opendata_resource_invalid"
    URL_INVALID = "opendata_url_invalid"  # not http(s)
    FILE_TOO_LARGE = "opendata_file_too_large"
    FILE_INVALID = "opendata_file_invalid"  # malformed CSV/XLSX, undecodable text
    DATASTORE_INACTIVE = "opendata_datastore_inactive"
    QUERY_INVALID = "opendata_query_invalid"  # bad filter, sort, field, cursor
    ACCESS_REQUIRED = "opendata_access_required"  # conditional dataset without approval
    APPLICATION_INVALID = "opendata_application_invalid"
    REQUEST_INVALID = "opendata_request_invalid"
    RATING_INVALID = "opendata_rating_invalid"
    ALREADY_RATED = "opendata_already_rated"
    COMMENT_INVALID = "opendata_comment_invalid"
    STATUS_TRANSITION = "opendata_status_transition_invalid"
    RATE_LIMITED = "opendata_rate_limited"
    TOKEN_INVALID = "opendata_token_invalid"  # noqa: S105 (an error code, not a secret)

"""Loaded with ``-p tests.env`` before Django's settings: each test run gets its own data dir
(keys, uploaded files), never the developer's ./var."""

import os
import tempfile

os.environ.setdefault("YIWANG_DATA_DIR", tempfile.mkdtemp(prefix="yiwang-test-"))

"""Settings of the server ``bench_cases_submit.py`` starts: the platform's own, with a
bench-only URLconf that adds the baseline endpoint (production URLs never carry it)."""

from yiwang.settings import *  # noqa: F403

ROOT_URLCONF = "cases_urls"

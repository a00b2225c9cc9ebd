"""CKAN's core actions: status, packages, resources, organizations, tags, licences."""

from __future__ import annotations

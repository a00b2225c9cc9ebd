"""Factories per domain. Kernel and identity objects are made through their services where a
service exists, so tests exercise the same path as the platform."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import factory
from factory.django import DjangoModelFactory

from yiwang.identity.models import Account
from yiwang.kernel import services as kernel
from yiwang.kernel.models import Department, Region

PASSWORD = "Correct-Horse-42"


@functools.cache
def password_hash() -> str:
    """The Argon2 hash of PASSWORD, computed once per test process: hashing costs about half
    a second by design, and most tests create several accounts."""
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


@dataclass
class RegionTree:
    hubei: Region
    wuhan: Region
    wuchang: Region
    township: Region
    village: Region
    yichang: Region
    xiling: Region


REGION_CSV = """code,name,level,parent_code
42,湖北省,province,
4201,武汉市,city,42
420106,武昌区,county,4201
420106001,积玉桥街道,township,420106
420106001001,积玉桥社区居委会,village,420106001
4205,宜昌市,city,42
420502,西陵区,county,4205
"""


def build_region_tree() -> RegionTree:
    kernel.import_regions(REGION_CSV, actor="test")
    get = Region.objects.get
    return RegionTree(
        hubei=get(code="42"),
        wuhan=get(code="4201"),
        wuchang=get(code="420106"),
        township=get(code="420106001"),
        village=get(code="420106001001"),
        yichang=get(code="4205"),
        xiling=get(code="420502"),
    )


class DepartmentFactory(DjangoModelFactory[Department]):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"DEPT-{n:04d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")


class AccountFactory(DjangoModelFactory[Account]):
    class Meta:
        model = Account
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.LazyFunction(password_hash)
    mobile = factory.Sequence(lambda n: f"139{n:08d}")
    is_staff = False


def StaffFactory(
    *,
    username: str,
    role: str,
    department: Department | None = None,
    region: Region | None = None,
    **fields: Any,
) -> Account:
    """A staff account holding ``role`` in ``department`` (or across ``region``)."""
    account = AccountFactory(username=username, is_staff=True, **fields)
    scope = region or (department.region if department else None)
    assert scope is not None, "give a department or a region"
    kernel.assign_role(actor="test", user=account, role=role, region=scope, department=department)
    return account


#: The authenticator secret test accounts enrol with (base32).
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str = TOTP_SECRET, *, steps_ahead: int = 0) -> str:
    """The authenticator code for now (or ``steps_ahead`` 30-second steps later: each code
    signs in once, so a test that signs in twice uses the next step's code)."""
    import time

    import pyotp

    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol_totp_device(account: Account, secret: str = TOTP_SECRET) -> Any:
    """Give ``account`` an authenticator app, through the service, leaving the current
    step's code unused."""
    from yiwang.identity.services import enrol_totp

    return enrol_totp(
        actor="test", account=account, secret=secret, code=totp_code(secret, steps_ahead=-1)
    )

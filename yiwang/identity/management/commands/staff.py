from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from yiwang.identity.models import Account
from yiwang.identity.services import create_staff_account
from yiwang.kernel import services as kernel
from yiwang.kernel.errors import DomainError
from yiwang.kernel.models import Department, Region, Role
from yiwang.kernel.validators import validate_region_code


class Command(BaseCommand):
    help = (
        "Staff accounts from the command line (the way in for the first platform admin). "
        "'add' creates an account (if new) and grants it a role in a region or department. "
        "The password is asked for, or read from YIWANG_NEW_PASSWORD for scripts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["add"])
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=list(Role.values))
        parser.add_argument("--region", required=True, help="region code, e.g. 42 or 420106")
        parser.add_argument("--department", help="department code, for a department role")
        parser.add_argument("--mobile", default="")

    def _password(self) -> str:
        from_env = os.environ.get("YIWANG_NEW_PASSWORD")
        if from_env:
            return from_env
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        return first

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            code = validate_region_code(options["region"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise CommandError(f"region {options['region']} is not imported yet")
        department = None
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"no department with code {options['department']}")
        role = Role(options["role"])
        try:
            with transaction.atomic():
                account = Account.objects.filter(username=options["username"]).first()
                if account is None:
                    account = create_staff_account(
                        actor="cli",
                        username=options["username"],
                        password=self._password(),
                        mobile=options["mobile"],
                        is_superuser=role == Role.PLATFORM_ADMIN,
                    )
                kernel.assign_role(
                    actor="cli", user=account, role=role, region=region, department=department
                )
        except ValidationError as exc:
            raise CommandError(" ".join(str(m) for m in exc.messages)) from None
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        where = department.name if department else region.name
        self.stdout.write(f"{account.username}: {role.label} @ {where}")

from typing import Any

from django.db import migrations


def install_guard(apps: Any, schema_editor: Any) -> None:
    from yiwang.kernel.audit import GENESIS_HASH, install_postgres_guard

    install_postgres_guard(schema_editor)
    # The chain head exists from the start, so two first appenders cannot race to create it.
    apps.get_model("kernel", "AuditChainHead").objects.get_or_create(
        pk=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
    )


def remove_guard(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS kernel_audit_append_only ON kernel_auditentry; "
            "DROP FUNCTION IF EXISTS kernel_audit_append_only();"
        )


class Migration(migrations.Migration):
    dependencies = [("kernel", "0001_initial")]

    operations = [migrations.RunPython(install_guard, remove_guard)]

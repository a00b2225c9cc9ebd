"""Keep the search entries' title vector in the row (PostgreSQL).

Ranking reads ``title_tsv`` of every match; with the default storage PostgreSQL moved it out
to the TOAST table in rows past about 2 kB, so ranking 5 000 matches made 5 000 TOAST look-ups
(about 12 ms of a 20 ms search over 100 000 datasets). ``STORAGE MAIN`` keeps it in the row;
the larger matching vector ``tsv``, read only through its GIN index, goes out instead. The
existing rows are rewritten once so they take the new layout."""

from typing import Any

from django.db import migrations


def inline(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE kernel_searchentry ALTER COLUMN title_tsv SET STORAGE MAIN"
        )
        schema_editor.execute("UPDATE kernel_searchentry SET title_tsv = title_tsv")


def extended(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE kernel_searchentry ALTER COLUMN title_tsv SET STORAGE EXTENDED"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("kernel", "0008_base_origin_node"),
    ]

    operations = [migrations.RunPython(inline, extended)]

"""The licences open datasets are published under (CKAN's ``license_list``)."""

from django.db import migrations

LICENCES = [
    ("cc-by-4.0", "知识共享署名 4.0 (CC BY 4.0)", "https://creativecommons.org/licenses/by/4.0/"),
    (
        "cc-by-sa-4.0",
        "知识共享署名-相同方式共享 4.0 (CC BY-SA 4.0)",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    ("cc-zero", "知识共享零 1.0 (CC0 1.0)", "https://creativecommons.org/publicdomain/zero/1.0/"),
    ("odc-by", "开放数据共享署名许可 (ODC-By)", "https://opendatacommons.org/licenses/by/"),
    ("odc-odbl", "开放数据库许可 (ODbL)", "https://opendatacommons.org/licenses/odbl/"),
    ("odc-pddl", "开放数据共享公共领域许可 (PDDL)", "https://opendatacommons.org/licenses/pddl/"),
    ("gov-open", "政府公共数据开放许可（署名、不得篡改）", ""),
]


def add(apps, schema_editor):
    Licence = apps.get_model("opendata", "Licence")
    for position, (code, title, url) in enumerate(LICENCES):
        Licence.objects.update_or_create(
            id=code, defaults={"title": title, "url": url, "position": position}
        )


def remove(apps, schema_editor):
    apps.get_model("opendata", "Licence").objects.filter(
        id__in=[c for c, _t, _u in LICENCES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]

"""The population and legal-entity base data, as the rest of the platform asks about it.

Identity asks yes/no questions here ("does this name go with this ID number?") instead of
reading base tables itself. Today the answers come from the kernel's seeded base tables; the
data-sharing issue mounts the real base databases behind the same functions (and its
verification API, 多源核验, answers the same questions for other systems).
"""

from __future__ import annotations

from yiwang.kernel.fields import lookup
from yiwang.kernel.models import BaseLegalEntity, BasePerson


def person_matches(name: str, id_number: str) -> bool:
    """Is there a person with exactly this name and resident ID number?"""
    return any(
        person.name == name.strip()
        for person in BasePerson.objects.filter(**lookup(BasePerson, "id_number", id_number))
    )


def entity_representative_matches(credit_code: str, representative_id_number: str) -> str | None:
    """The entity's registered name if the person is its legal representative, else None."""
    entity = BaseLegalEntity.objects.filter(credit_code=credit_code).first()
    if entity is None or entity.representative_id_number != representative_id_number:
        return None
    return entity.name

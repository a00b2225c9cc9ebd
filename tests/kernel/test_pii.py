"""Personal data at rest: SM4-GCM ciphertext, SM3-HMAC blind index, masking, no plaintext
anywhere in the database."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.factories import AccountFactory
from yiwang.identity.models import Account
from yiwang.kernel import crypto
from yiwang.kernel.fields import SensitiveKind, lookup, mask

ID_NUMBER = "11010519491231002X"
MOBILE = "13987654321"


def _dump_database() -> str:
    """Every value of every table, as text: what a stolen backup would show."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


@pytest.mark.django_db
def test_database_dump_holds_no_plaintext_identifiers() -> None:
    AccountFactory(username="zhang", mobile=MOBILE, id_number=ID_NUMBER, display_name="张三丰")
    dump = _dump_database()
    assert "zhang" in dump  # the dump is real
    for secret in (ID_NUMBER, MOBILE, "张三丰", ID_NUMBER[-8:], MOBILE[-6:]):
        assert secret not in dump


@pytest.mark.django_db
def test_values_read_back_and_are_found_by_blind_index() -> None:
    AccountFactory(username="zhang", mobile=MOBILE, id_number=ID_NUMBER)
    AccountFactory(username="li", mobile="13900000000")
    account = Account.objects.get(**lookup(Account, "id_number", ID_NUMBER))
    assert account.username == "zhang"
    assert account.id_number == ID_NUMBER
    assert account.mobile == MOBILE
    assert account.masked_mobile == "139****4321"
    assert account.masked_id_number == "1101**********002X"
    assert not Account.objects.filter(**lookup(Account, "mobile", "13900000001")).exists()


@pytest.mark.django_db
def test_filtering_on_ciphertext_is_refused() -> None:
    with pytest.raises(TypeError, match="encrypted"):
        Account.objects.filter(mobile=MOBILE)


def test_ciphertext_is_bound_to_its_field() -> None:
    token = crypto.encrypt(MOBILE, purpose="identity.account.mobile")
    assert crypto.decrypt(token, purpose="identity.account.mobile") == MOBILE
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, purpose="identity.account.id_number")


def test_tampered_ciphertext_is_refused() -> None:
    token = crypto.encrypt(MOBILE, purpose="p")
    head, blob = token.rsplit(":", 1)
    flipped = blob[:-6] + ("A" if blob[-6] != "A" else "B") + blob[-5:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(f"{head}:{flipped}", purpose="p")


def test_same_value_encrypts_differently_each_time() -> None:
    assert crypto.encrypt(MOBILE, purpose="p") != crypto.encrypt(MOBILE, purpose="p")


def test_keys_come_from_the_environment_when_given(settings: object) -> None:
    keys = crypto.PiiKeys.from_hex("ab" * 48, "YIWANG_PII_KEY")
    assert len(keys.enc_key) == 16
    assert len(keys.mac_key) == 32
    from yiwang.conf import ConfigError

    with pytest.raises(ConfigError, match="YIWANG_PII_KEY"):
        crypto.PiiKeys.from_hex("not hex", "YIWANG_PII_KEY")


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        (ID_NUMBER, SensitiveKind.ID_NUMBER, "1101**********002X"),
        ("420106199001011234", SensitiveKind.ID_NUMBER, "4201**********1234"),
        (MOBILE, SensitiveKind.MOBILE, "139****4321"),
        ("张三", SensitiveKind.TEXT, "张*"),
        ("欧阳修文", SensitiveKind.TEXT, "欧**文"),
        ("", SensitiveKind.TEXT, ""),
    ],
)
def test_masking(value: str, kind: SensitiveKind, masked: str) -> None:
    assert mask(value, kind) == masked

"""Licence identifiers (证照标识) and their check character.

The national structure is::

    1.2.156.3005.2.<type code>.<issuer code>.<serial>.<version>.<check character>

* ``1.2.156.3005.2`` is the fixed root of e-licence identifiers;
* ``type code`` is the licence type's code (letters and digits, e.g. ``SPJY``);
* ``issuer code`` is the issuing department's unified social credit code, or its department
  code with everything but letters and digits removed when it has none;
* ``serial`` is the zero-padded count of licences of that type by that issuer
  (:data:`SERIAL_WIDTH` digits);
* ``version`` is the licence's version number (1 for the first issue, +1 per change);
* the check character is ISO 7064 MOD 37,36 (the hybrid system over the alphabet ``0-9A-Z``)
  computed over the concatenation of the letters and digits of everything before it, dots
  removed and letters upper-cased. E.g. for ``1.2.156.3005.2.SPJY.ABC.00000001.1`` the
  check character is computed over ``121563005 2SPJYABC000000011`` without the space.

A licence keeps one *base* (everything up to the serial) for life; each version gets its own
full identifier.
"""

from __future__ import annotations

import re

ROOT = "1.2.156.3005.2"
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
SERIAL_WIDTH = 8
_MODULUS = 36
_CODE = re.compile(r"^[0-9A-Z]{1,32}$")
_IDENTIFIER = re.compile(
    r"^1\.2\.156\.3005\.2\.([0-9A-Z]{1,32})\.([0-9A-Z]{1,32})\.(\d{1,12})\.(\d{1,4})\.([0-9A-Z])$"
)


def _checksum(text: str) -> int:
    """ISO 7064 hybrid system, M = 36: the running value P after every character."""
    product = _MODULUS
    for char in text:
        total = (product + ALPHABET.index(char)) % _MODULUS or _MODULUS
        product = (total * 2) % (_MODULUS + 1)
    return product


def mod37_36_check(text: str) -> str:
    """The MOD 37,36 check character of ``text`` (characters of ``0-9A-Z`` only)."""
    text = text.upper()
    if not text or any(c not in ALPHABET for c in text):
        raise ValueError("MOD 37,36 takes the characters 0-9 and A-Z only")
    return ALPHABET[(1 - _checksum(text)) % _MODULUS]


def mod37_36_valid(text: str) -> bool:
    """Does ``text`` end in its own MOD 37,36 check character?"""
    text = text.upper()
    if not text or any(c not in ALPHABET for c in text):
        return False
    total = (_checksum(text[:-1]) + ALPHABET.index(text[-1])) % _MODULUS
    return total == 1


def _alphanumeric(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", text).upper()


def issuer_code(department_code: str, credit_code: str = "") -> str:
    """The issuer segment of an identifier for a department."""
    return _alphanumeric(credit_code) or _alphanumeric(department_code)


def is_code(value: str) -> bool:
    """Can ``value`` be a segment of an identifier (a type or issuer code)?"""
    return bool(_CODE.match(value))


def base(type_code: str, issuer: str, serial: int) -> str:
    """The part of a licence's identifier that never changes."""
    return f"{ROOT}.{type_code}.{issuer}.{serial:0{SERIAL_WIDTH}d}"


def full(base_identifier: str, version: int) -> str:
    """A version's identifier: the base, the version and the check character."""
    body = f"{base_identifier}.{version}"
    return f"{body}.{mod37_36_check(_alphanumeric(body))}"


def is_valid(identifier: str) -> bool:
    """Well formed, and its check character matches."""
    identifier = identifier.strip().upper()
    if not _IDENTIFIER.match(identifier):
        return False
    return mod37_36_valid(_alphanumeric(identifier))


def base_of(identifier: str) -> str:
    """The base of a full identifier (drops the version and the check character)."""
    return identifier.rsplit(".", 2)[0]

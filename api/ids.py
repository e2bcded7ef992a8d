"""Opaque, prefixed identifiers (`prod_...`, `vend_...`)."""

import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_id(prefix: str, length: int = 20) -> str:
    # One draw from the OS's generator per id, spelled in base 36 (a draw per character cost a checkout
    # hundreds of system calls); uniform over every string of `length` characters of the alphabet.
    number = secrets.randbelow(len(_ALPHABET) ** length)
    characters = []
    for _ in range(length):
        number, digit = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[digit])
    return f"{prefix}_" + "".join(characters)

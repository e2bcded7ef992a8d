"""Opaque, prefixed identifiers (`prod_...`, `vend_...`)."""

import os

_ALPHABET = b"0123456789abcdefghijklmnopqrstuvwxyz"
# Random bytes spelled in the alphabet by one `bytes.translate`: byte b is character b % 36, and the bytes of 252
# and up are dropped (252 is 7 x 36), so each character kept is uniform over the alphabet.
_SPELLING = bytes(_ALPHABET[b % len(_ALPHABET)] for b in range(256))
_UNEVEN = bytes(range(252, 256))


def new_id(prefix: str, length: int = 20) -> str:
    # One read of the OS's generator per id (a draw per character cost a checkout hundreds of system calls, and
    # drawing a number below 36**length and spelling it digit by digit cost more than the read); uniform over every
    # string of `length` characters of the alphabet. A few bytes more than needed cover the dropped ones (each byte is
    # dropped once in 64); should fewer than `length` be left, it draws again.
    while len(characters := os.urandom(length + length // 5 + 4).translate(_SPELLING, _UNEVEN)) < length:
        pass
    return f"{prefix}_{characters[:length].decode()}"

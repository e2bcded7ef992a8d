from __future__ import annotations

import re
from collections import Counter

from api.ids import new_id


def test_ids_are_prefixed_base36_of_the_asked_length_and_do_not_repeat() -> None:
    ids = [new_id("ord") for _ in range(20_000)]
    assert all(re.fullmatch(r"ord_[0-9a-z]{20}", i) for i in ids)
    assert len(set(ids)) == len(ids)
    assert re.fullmatch(r"x_[0-9a-z]{8}", new_id("x", 8))


def test_every_character_of_the_alphabet_comes_at_every_position() -> None:
    ids = [new_id("t", 6)[2:] for _ in range(20_000)]
    for position in range(6):
        seen = Counter(i[position] for i in ids)
        assert len(seen) == 36
        # About 556 each: far from it (under 400 or over 720) would mean a skewed draw.
        assert min(seen.values()) > 400 and max(seen.values()) < 720

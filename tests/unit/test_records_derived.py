"""What a record's row keeps beside its answers (app/records/derived.py)."""

from __future__ import annotations

from app.records import derived


def test_the_parts_key_holds_each_part_a_policy_could_name_once_in_order() -> None:
    key = derived.standard_parts_key({"standard_parts": ["4.3", "4.1", "4.3"]})
    assert key == '["4.1","4.3"]'
    assert key is not None and derived.parts_in_key(key) == ["4.1", "4.3"]
    # The same parts in any order are one key, so records group by what they show.
    assert derived.standard_parts_key({"standard_parts": ["4.1", "4.3"]}) == key
    for nothing in ({}, {"standard_parts": []}, {"standard_parts": "4.1"}):
        assert derived.standard_parts_key(nothing) is None
    # Only what a policy could name, and never more than a policy can have: a hand-made
    # import or a draft cannot make the stored value large.
    odd = ["", 8, None, "x" * 21, "4.1", *(f"z{n:03}" for n in range(500))]
    key = derived.standard_parts_key({"standard_parts": odd})
    assert key is not None and derived.parts_in_key(key)[0] == "4.1"
    assert len(derived.parts_in_key(key)) == 16
    assert len(key) < 400

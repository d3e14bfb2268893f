"""The org-unit tree as read from the reference files, before it touches a database."""

from __future__ import annotations

from collections import Counter

from data.orgunits import NORGE_CODE, reference_units


def test_tree_has_norge_15_fylker_357_kommuner_and_38_bydeler():
    levels = Counter(u.level for u in reference_units())
    assert levels == {1: 1, 2: 15, 3: 357, 4: 38}


def test_every_unit_has_its_parent_listed_before_it():
    seen: set[str] = set()
    for unit in reference_units():
        assert unit.parent_code is None or unit.parent_code in seen, unit.code
        seen.add(unit.code)


def test_kommune_populations_sum_to_the_national_total():
    units = reference_units()
    norge = next(u for u in units if u.code == NORGE_CODE)
    assert norge.population == 5_550_203
    assert sum(u.population or 0 for u in units if u.level == 3) == norge.population
    assert sum(u.population or 0 for u in units if u.level == 2) == norge.population


def test_oslo_bydeler_are_children_of_oslo_kommune():
    oslo_bydeler = [u for u in reference_units() if u.level == 4 and u.parent_code == "0301"]
    assert len(oslo_bydeler) == 17  # 15 bydeler + Sentrum and Marka
    assert {"Gamle Oslo", "Grünerløkka", "Frogner"} <= {u.name for u in oslo_bydeler}


def test_kommune_numbers_start_with_their_fylke_number():
    for unit in reference_units():
        if unit.level == 3:
            assert unit.code[:2] == unit.parent_code

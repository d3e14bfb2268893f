"""Secondary attack rate with its Wilson interval, checked against hand-computed values."""

from __future__ import annotations

import math

import pytest

from graph.attack import attack_rate


def test_two_of_ten_contacts_gives_the_textbook_wilson_interval():
    # given 10 contacts of whom 2 became cases; Wilson 95%: centre (0.2 + z²/20) / (1 + z²/10), see Brown et al.
    est = attack_rate(10, 2)

    assert est.value == pytest.approx(0.2)
    assert est.low == pytest.approx(0.05668, abs=1e-5)
    assert est.high == pytest.approx(0.50983, abs=1e-5)
    assert est.n == 10 and est.missing is None and est.method == "Wilson"


def test_no_contact_became_a_case_keeps_an_upper_bound():
    est = attack_rate(5, 0)

    assert est.value == 0.0 and est.low == 0.0
    z2 = 1.959963984540054**2
    assert est.high == pytest.approx(z2 / (5 + z2))  # the Wilson upper bound for 0/n


def test_every_contact_became_a_case_keeps_a_lower_bound():
    est = attack_rate(4, 4)

    assert est.value == 1.0 and est.high == 1.0
    assert 0.4 < est.low < 1.0


def test_no_contacts_is_not_enough_data_in_norwegian():
    est = attack_rate(0, 0)

    assert not est.ok
    assert est.value is None and est.low is None and est.high is None
    assert est.missing == "Ingen nærkontakter registrert"


@pytest.mark.parametrize(("contacts", "became"), [(3, 5), (3, -1), (-2, 0)])
def test_impossible_counts_give_a_reason_not_an_exception(contacts, became):
    est = attack_rate(contacts, became)

    assert not est.ok and est.missing


def test_interval_always_contains_the_estimate_and_stays_in_zero_one():
    for n in (1, 2, 7, 50, 1000):
        for x in range(0, n + 1, max(1, n // 7)):
            est = attack_rate(n, x)
            assert 0.0 <= est.low <= est.value <= est.high <= 1.0
            assert all(v is None or math.isfinite(v) for v in est.as_dict().values() if isinstance(v, float))

"""Person register rules that need no store: input validation, the synthetic-number switch, and name similarity."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import pytest

from data import national_id
from data.names import fold_name
from tracing.errors import DomainError
from tracing.persons import (
    SEARCH_THRESHOLD,
    PersonInput,
    clean_duplicate_reason,
    clean_person_input,
    name_similarity,
    name_tokens,
    normalise_phone,
    search_score,
    synthetic_ids_allowed,
    token_similarity,
)

TODAY = dt.date(2026, 11, 23)
BORN = dt.date(1985, 6, 15)
_rng = random.Random(7)
NUMBER = national_id.generate(BORN, rng=_rng, synthetic=True, sex="female")
BAD_NUMBER = NUMBER[:10] + str((int(NUMBER[10]) + 1) % 10)
KARI = PersonInput(first_name="Kari", last_name="Nordmann", birth_date=BORN)


def _refusal(data: PersonInput, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        clean_person_input(data, today=TODAY, **kwargs)
    return refused.value


def _score(query: str, first: str, last: str, middle: str | None = None) -> float:
    return name_similarity(name_tokens(query), fold_name(first, middle, last).split())


# --- validation -----------------------------------------------------------------------------------------------------


def test_a_complete_person_is_cleaned_and_gets_a_folded_name_key():
    data = PersonInput(
        first_name="  Åse ", middle_name="Marie", last_name="Ødegård", birth_date=BORN, sex="female",
        phone="+47 912 34 567", email="ase@example.com", address=" Storgata  1 ", postcode="0155", post_place="Oslo",
    )

    fields = clean_person_input(data, today=TODAY)

    assert fields["first_name"] == "Åse" and fields["address"] == "Storgata 1"
    assert fields["name_key"] == "odegard ase marie"
    assert fields["phone"] == "91234567"
    assert fields["national_id"] is None and fields["sex"] == "female"


def test_the_number_gives_birth_date_and_sex_when_they_are_not_typed():
    fields = clean_person_input(PersonInput(first_name="Kari", last_name="Nordmann", national_id=f" {NUMBER[:6]} {NUMBER[6:]} "), today=TODAY)

    assert fields["national_id"] == NUMBER
    assert fields["birth_date"] == BORN
    assert fields["sex"] == "female"


def test_a_typed_birth_date_that_contradicts_the_number_is_refused():
    refusal = _refusal(replace(KARI, national_id=NUMBER, birth_date=BORN + dt.timedelta(days=1)))
    assert refusal.field == "fødselsdato"


def test_an_invalid_number_names_the_field_and_never_shows_the_digits():
    refusal = _refusal(replace(KARI, national_id=BAD_NUMBER))

    assert refusal.field == "fødselsnummer"
    assert BAD_NUMBER not in str(refusal) and BAD_NUMBER[:6] not in refusal.message_nb


def test_a_foreigner_without_number_needs_a_birth_date():
    refusal = _refusal(replace(KARI, birth_date=None))
    assert refusal.field == "fødselsdato"
    assert clean_person_input(KARI, today=TODAY)["sex"] == "unknown"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": " "}, "fornavn"),
        ({"last_name": ""}, "etternavn"),
        ({"first_name": "Kari2"}, "fornavn"),
        ({"middle_name": "x" * 101}, "mellomnavn"),
        ({"birth_date": TODAY + dt.timedelta(days=1)}, "fødselsdato"),
        ({"birth_date": dt.date(1880, 1, 1)}, "fødselsdato"),
        ({"sex": "f"}, "kjønn"),
        ({"phone": "1234567"}, "telefon"),
        ({"phone": "+47 1234567"}, "telefon"),
        ({"email": "kari.example.com"}, "e-post"),
        ({"email": "kari@example"}, "e-post"),
        ({"postcode": "155"}, "postnummer"),
        ({"postcode": "01a5"}, "postnummer"),
        ({"home_org_unit_id": "0301"}, "hjemkommune"),
    ],
)
def test_each_bad_field_is_refused_with_its_norwegian_name(change, field):
    assert _refusal(replace(KARI, **change)).field == field


def test_a_number_born_in_the_future_is_refused():
    future = national_id.generate(TODAY + dt.timedelta(days=30), rng=_rng, synthetic=True)
    assert _refusal(replace(KARI, birth_date=None, national_id=future)).field == "fødselsnummer"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("912 34 567", "91234567"), ("+47 91234567", "91234567"), ("0047 912-34-567", "91234567"), ("+46 70 123 45 67", "+46701234567")],
)
def test_phone_numbers_are_stored_compact(typed, stored):
    assert normalise_phone(typed) == stored


def test_editing_keeps_an_earlier_sex_when_none_is_given_and_there_is_no_number():
    assert clean_person_input(KARI, today=TODAY, current_sex="male")["sex"] == "male"


def test_the_synthetic_switch_defaults_to_on_and_can_be_turned_off(monkeypatch):
    monkeypatch.delenv("SMITTESPOR_ALLOW_SYNTHETIC_IDS", raising=False)
    assert synthetic_ids_allowed()

    monkeypatch.setenv("SMITTESPOR_ALLOW_SYNTHETIC_IDS", "false")

    assert not synthetic_ids_allowed()
    refusal = _refusal(replace(KARI, national_id=NUMBER))
    assert refusal.field == "fødselsnummer" and NUMBER not in refusal.message_nb


def test_a_duplicate_reason_may_not_hold_a_national_id():
    assert clean_duplicate_reason("  Tvillinger, ulike personer  ") == "Tvillinger, ulike personer"
    assert clean_duplicate_reason("   ") is None
    with pytest.raises(DomainError) as refused:
        clean_duplicate_reason(f"Samme som {NUMBER[:6]} {NUMBER[6:]}")
    assert refused.value.field == "begrunnelse" and NUMBER not in refused.value.message_nb


# --- similarity -----------------------------------------------------------------------------------------------------


def test_name_tokens_fold_letters_and_drop_punctuation_and_digits():
    assert name_tokens("Ødegård, Kari-Anne 1985") == ["odegard", "kari", "anne"]
    assert name_tokens("José MÜLLER") == ["jose", "muller"]


def test_a_typed_beginning_scores_high_and_unrelated_words_low():
    assert token_similarity("nordm", "nordmann") == 0.9
    assert token_similarity("nordman", "nordmann") > 0.9
    assert token_similarity("kari", "kristin") < 0.35


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [
        ("Odegard", "Åse", "Ødegård"),
        ("ase odegaard", "Åse", "Ødegård"),
        ("Jose Muller", "José", "Müller"),
        ("Nordman", "Kari", "Nordmann"),
        ("Kari Nordmnan", "Kari", "Nordmann"),
        ("Kari Nrodmann", "Kari", "Nordmann"),
        ("Nordmann Kari", "Kari", "Nordmann"),
        ("Kari", "Kari", "Nordmann"),
    ],
)
def test_diacritics_typos_and_word_order_still_match(query, first, last):
    assert _score(query, first, last) >= SEARCH_THRESHOLD


@pytest.mark.parametrize(
    ("query", "first", "last"),
    [("Kari Hansen", "Kristin", "Hansen"), ("Kari Hansen", "Kari", "Olsen"), ("Kari Nordmann", "Ola", "Nordmann"), ("Ola", "Kari", "Olsen")],
)
def test_other_names_stay_below_the_threshold(query, first, last):
    assert _score(query, first, last) < SEARCH_THRESHOLD


def test_the_exact_name_ranks_above_a_longer_or_misspelt_one():
    exact = _score("Kari Nordmann", "Kari", "Nordmann")
    assert exact == 1.0
    assert exact > _score("Kari Nordmann", "Kari", "Nordmann", middle="Anne") > _score("Kari Nordmann", "Kari", "Nordman")


def test_the_birth_date_lifts_a_match_and_a_different_one_lowers_it():
    same = search_score(0.8, BORN, BORN, has_name=True)
    unknown = search_score(0.8, None, BORN, has_name=True)
    other = search_score(0.8, BORN.replace(year=1986), BORN, has_name=True)

    assert same > 0.8 > unknown > other
    assert search_score(1.0, BORN.replace(year=1986), BORN, has_name=True) >= SEARCH_THRESHOLD  # a mistyped date
    assert search_score(0.0, BORN, BORN, has_name=False) == 1.0
    assert search_score(0.0, None, BORN, has_name=False) == 0.0

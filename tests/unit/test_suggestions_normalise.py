"""How cluster suggestions compare what tracers typed: places, addresses, the proposed cluster kind, and keys."""

from __future__ import annotations

import pytest

from tracing.suggestions import (
    normalise_address,
    normalise_place,
    normalise_text,
    proposed_kind,
    suggestion_key,
)


@pytest.mark.parametrize(
    "typed",
    ["Halvorsen AS", "halvorsen as", "  HALVORSEN   AS ", "Halvorsen", "Arbeidsplass: Halvorsen AS", "Halvorsen A/S."],
)
def test_spellings_of_one_workplace_are_one_place(typed):
    assert normalise_place(typed) == "halvorsen"


def test_punctuation_and_case_do_not_separate_an_event():
    assert normalise_place("Konsert i Spektrum") == normalise_place("konsert i spektrum.") == "konsert i spektrum"
    assert normalise_place("Konsert Spektrum 02.11") == "konsert spektrum 02 11"


def test_norwegian_letters_survive_and_compose():
    # "å" typed as a + combining ring (NFD) is the same letter as the precomposed one
    assert normalise_place("Åsly skole") == normalise_place("A\u030asly Skole") == "åsly skole"
    assert normalise_text("Nærmiljø / sosial kontakt") == "nærmiljø sosial kontakt"


@pytest.mark.parametrize(
    "typed",
    [
        None, "", "  ", "Husstand", "husstand.", "Ukjent smittested", "Nærmiljø / sosial kontakt", "Utlandet: Spania",
        "Reise", "Pensjonist", "Hjemmekontor", "Arbeidsplass:", "-", "x", "2024",
    ],
)
def test_values_that_name_no_single_place_are_ignored(typed):
    assert normalise_place(typed) is None


def test_a_company_named_only_by_its_legal_form_keeps_it():
    assert normalise_place("AS") == "as"
    assert normalise_place("Berg ASA") == "berg"
    assert normalise_place("Berg RFH") == "berg rfh"


@pytest.mark.parametrize(
    ("address", "postcode"),
    [
        ("Storgata 5A", "0150"),
        ("Storgata 5 A", "0150"),
        ("storgate 5a", "0150"),
        ("Storgt. 5 a", "0150"),
        ("Storgaten 5A", " 0150 "),
        ("Storgata 5A, 0150 Oslo", None),
        ("Storgata 5A, 0150 OSLO", "0150"),
    ],
)
def test_spellings_of_one_address_are_one_address(address, postcode):
    assert normalise_address(address, postcode) == "storgata 5a|0150"


def test_streets_named_vei_and_veg_are_one_form():
    assert normalise_address("Kirkeveien 1", "0368") == normalise_address("Kirkevegen 1", "0368") == "kirkevei 1|0368"
    assert normalise_address("Kirkevei 1", "0368") == "kirkevei 1|0368"


def test_addresses_differ_by_number_letter_flat_or_postcode():
    base = normalise_address("Storgata 5", "0150")
    assert normalise_address("Storgata 5B", "0150") != base
    assert normalise_address("Storgata 7", "0150") != base
    assert normalise_address("Storgata 5 H0201", "0150") != normalise_address("Storgata 5 H0101", "0150")
    assert normalise_address("Storgata 5", "5003") != base
    assert normalise_address("Storgata 5", None) == "storgata 5|"


def test_no_address_is_no_evidence():
    assert normalise_address(None, "0150") is None
    assert normalise_address("  ", "0150") is None
    assert normalise_address("...", "0150") is None


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("Maurtua barnehage", "school", "kindergarten"),
        ("Solstrålen bhg", "workplace", "kindergarten"),
        ("Bekkedalen skole", "school", "school"),
        ("Furuset ungdomsskole", "school", "school"),
        ("Haugen videregående skole", "event", "school"),
        ("Rosenhof sykehjem", "workplace", "nursing_home"),
        ("Ammerud bo- og behandlingssenter", "address", "nursing_home"),
        ("Halvorsen AS", "workplace", "workplace"),
        ("Konsert i Spektrum", "event", "concert"),
        ("Bursdagsfeiring Sagene", "event", "private_gathering"),
        ("Fotballcup Nordre Aker", "event", "event"),
        ("Storgata 5, 0150 Oslo", "address", "other"),
    ],
)
def test_the_proposed_cluster_kind_follows_the_words(value, kind, expected):
    assert proposed_kind(value, kind) == expected


def test_a_concert_agency_is_still_a_workplace():
    # concert and private words decide only for events; a company's name is its own
    assert proposed_kind("Konsertbyrået AS", "workplace") == "workplace"


def test_a_key_is_stable_and_holds_no_readable_value():
    value = normalise_address("Storgata 5A", "0150")
    key = suggestion_key("address", 17, value)
    assert key == suggestion_key("address", 17, normalise_address("Storgt. 5 a", "0150"))
    assert key.startswith("address:17:") and len(key.split(":")[2]) == 40
    assert "storgata" not in key.lower() and "0150" not in key
    assert suggestion_key("address", 18, value) != key
    assert suggestion_key("place", 17, value) != key

"""The column names a line list may use, in Norwegian and English, and the user's own column mapping.

Real line lists come from many spreadsheets, so a header cell matches a field whatever its case, spacing,
underscores, hyphens or æøå spelling ("Symptom onset", "symptom_onset", "SYMPTOMSTART", "fodselsnummer").
Anything else can be named in a mapping ``{their column -> our field}``, where "our field" may be written with
any of the field's accepted names. Unknown columns are ignored (and listed back to the user), never guessed at.

The accepted names are documented for users in docs/linelist.md and on the import page; ``documentation()``
gives the same table so the two cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from data.models import EXPOSURE_SETTINGS
from tracing.vocabulary import EXPOSURE_SETTING_NB


@dataclass(frozen=True)
class Field:
    """A field of a line list: ``code`` is what the code calls it, ``name_nb`` what error messages call it."""

    code: str
    name_nb: str
    aliases: tuple[str, ...]
    description_nb: str


# --- the case file ------------------------------------------------------------------------------------------------

CASE_FIELDS: tuple[Field, ...] = (
    Field("id", "id", ("id", "sak", "sakid", "saksnummer", "saksnr", "tilfelle", "tilfelleid", "tilfellenr", "løpenummer",
                       "lopenr", "løpenr", "nr", "caseid", "case", "caseno", "casenumber", "linelistid", "recordid"),
          "Tilfellets nummer i lista (påkrevd, unikt). Bruk et løpenummer, aldri fødselsnummer."),
    Field("symptom_onset", "symptomstart", ("symptomstart", "symptomdebut", "sykdomsdebut", "førstesykdomsdag",
                                            "symptomonset", "onset", "onsetdate", "dateofonset", "symptomonsetdate"),
          "Dato for første symptom."),
    Field("test_date", "testdato", ("testdato", "prøvedato", "prøvetakingsdato", "prøvetatt", "testdate", "sampledate",
                                    "datetested", "datesampled", "specimendate"),
          "Dato for positiv prøve."),
    Field("report_date", "meldedato", ("meldedato", "meldingsdato", "rapportdato", "registrert", "registreringsdato",
                                       "reportdate", "datereported", "notificationdate", "reportingdate"),
          "Dato tilfellet ble meldt eller registrert."),
    Field("cluster", "klynge", ("klynge", "klyngenavn", "hendelse", "hendelsesnavn", "utbrudd", "utbruddsnavn",
                                "cluster", "clustername", "event", "eventname", "outbreak"),
          "Navnet på klyngen eller hendelsen tilfellet hører til."),
    Field("setting", "arena", ("arena", "smittearena", "smittekontekst", "setting", "exposuresetting",
                               "transmissionsetting", "context"),
          "Hvor tilfellet ble smittet (se arenaord nedenfor)."),
    Field("kommune", "kommune", ("kommune", "kommunenummer", "kommunenr", "kommunekode", "bostedskommune",
                                 "municipality", "municipalitycode", "municipalitynumber"),
          "Kommunenummer med fire siffer. Numre fra 2020–2023 gjøres om til 2024-numre."),
    Field("age", "alder", ("alder", "age", "ageyears", "alderår"), "Alder i hele år (0–120)."),
    Field("sex", "kjønn", ("kjønn", "sex", "gender"), "kvinne/mann/ukjent, K/M, female/male, F/M."),
    Field("national_id", "fødselsnummer", ("fødselsnummer", "fnr", "fødselsnr", "personnummer", "dnummer",
                                           "nationalid", "nationalidentitynumber", "nin", "ssn"),
          "Bare for «Ekte saker i registeret» (påkrevd der). Lagres aldri i et analyseutbrudd."),
    Field("first_name", "fornavn", ("fornavn", "firstname", "givenname", "forename"),
          "Bare for «Ekte saker i registeret»."),
    Field("last_name", "etternavn", ("etternavn", "lastname", "surname", "familyname"),
          "Bare for «Ekte saker i registeret»."),
)

# --- the pairs file -----------------------------------------------------------------------------------------------

LINK_FIELDS: tuple[Field, ...] = (
    Field("infector", "smitter", ("smitter", "smitterid", "smittekilde", "kilde", "kildeid", "fra", "infector",
                                  "infectorid", "source", "sourceid", "sourcecase", "from"),
          "Id-en til den som smittet (rettet par)."),
    Field("infectee", "smittet", ("smittet", "smittetid", "mottaker", "til", "infectee", "infecteeid", "target",
                                  "targetid", "targetcase", "to"),
          "Id-en til den som ble smittet (rettet par)."),
    Field("case", "sak", ("sak", "sakid", "tilfelle", "tilfelleid", "id", "case", "caseid"),
          "Id-en til det ene tilfellet i et urettet par («relaterte tilfeller»)."),
    Field("related_case", "relatert sak", ("relatertsak", "relatert", "relatertid", "relatertsakid", "relatertilfelle",
                                           "relatedcase", "relatedcaseid", "related", "relatedid"),
          "Id-en til det andre tilfellet i et urettet par."),
    Field("setting", "arena", ("arena", "smittearena", "setting", "exposuresetting", "context"),
          "Hvor smitten skjedde (se arenaord nedenfor)."),
    Field("exposure_date", "eksponeringsdato", ("eksponeringsdato", "smittedato", "kontaktdato", "eksponering",
                                                "exposuredate", "dateofexposure", "contactdate"),
          "Dato for eksponeringen."),
    Field("directed", "retning", ("retning", "rettet", "directed", "direction", "isdirected"),
          "ja/nei: om paret er rettet (smitter → smittet). Tomt betyr ja."),
)

CASE_FIELD = {f.code: f for f in CASE_FIELDS}
LINK_FIELD = {f.code: f for f in LINK_FIELDS}

# --- setting words ------------------------------------------------------------------------------------------------

_SETTING_WORDS: dict[str, tuple[str, ...]] = {
    "household": ("husstand", "hjem", "hjemme", "bolig", "familie", "husholdning", "household", "home", "family"),
    "school": ("skole", "barneskole", "ungdomsskole", "videregående", "vgs", "sfo", "school"),
    "kindergarten": ("barnehage", "bhg", "kindergarten", "daycare", "nursery", "preschool"),
    "workplace": ("arbeidsplass", "arbeid", "jobb", "workplace", "work", "occupational"),
    "health_institution": ("helseinstitusjon", "sykehjem", "sykehus", "helse", "omsorgsbolig", "healthinstitution",
                           "healthcare", "hospital", "nursinghome", "carehome"),
    "event": ("arrangement", "konsert", "fest", "selskap", "privatsammenkomst", "sammenkomst", "idrett",
              "trening", "event", "party", "concert", "gathering", "privategathering", "sport"),
    "travel": ("reise", "utlandet", "importsmitte", "importert", "travel", "abroad", "imported"),
    "other": ("annet", "annen", "other"),
}

_FOLD = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})


def normalise(name: object) -> str:
    """A header or vocabulary word folded for matching: lower case, æøå folded, only letters and digits kept."""
    return _normalise(str(name or ""))


@lru_cache(maxsize=4096)  # line lists repeat the same words (settings, sexes, clusters) on every row
def _normalise(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).casefold().translate(_FOLD)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return "".join(c for c in text if c.isalnum())


def _alias_table(fields: Sequence[Field]) -> dict[str, str]:
    table: dict[str, str] = {}
    for f in fields:
        for alias in (f.code, f.name_nb, *f.aliases):
            table.setdefault(normalise(alias), f.code)
    return table


CASE_ALIASES = _alias_table(CASE_FIELDS)
LINK_ALIASES = _alias_table(LINK_FIELDS)

SETTING_ALIASES: dict[str, str] = {}
for _code, _words in _SETTING_WORDS.items():
    for _word in (_code, EXPOSURE_SETTING_NB[_code], *_words):
        SETTING_ALIASES.setdefault(normalise(_word), _code)
assert set(SETTING_ALIASES.values()) == set(EXPOSURE_SETTINGS)


def setting_code(word: str) -> str | None:
    """The EXPOSURE_SETTINGS code of a Norwegian or English setting word, or None when it is not one."""
    return SETTING_ALIASES.get(normalise(word))


# --- the user's mapping -------------------------------------------------------------------------------------------


class MappingError(ValueError):
    """A mapping line that names no known field; ``message_nb`` says which."""

    def __init__(self, message_nb: str) -> None:
        super().__init__(message_nb)
        self.message_nb = message_nb


def parse_mapping_text(text: str | None) -> dict[str, str]:
    """``"their name = our field"`` per line (also ``:`` or ``->``) into a dict; blank lines and ``#`` comments
    are skipped. The targets are checked by ``resolve_mapping``."""
    mapping: dict[str, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for separator in ("->", "=", ":"):
            if separator in line:
                theirs, ours = (part.strip() for part in line.split(separator, 1))
                break
        else:
            raise MappingError(f"Linje {number} i kolonnekoblingen mangler «=» (skriv «deres navn = vårt felt»).")
        if not theirs or not ours:
            raise MappingError(f"Linje {number} i kolonnekoblingen må ha et navn på begge sider av «=».")
        mapping[theirs] = ours
    return mapping


def resolve_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    """The user's mapping as {normalised their name -> field code}. A target may be any accepted name of a case or
    pair field; an unknown target raises ``MappingError`` (it is a typo the user must see, not a column to skip)."""
    resolved: dict[str, str] = {}
    for theirs, ours in (mapping or {}).items():
        target = normalise(ours)
        code = CASE_ALIASES.get(target) or LINK_ALIASES.get(target)
        if code is None:
            raise MappingError(f"Kolonnekoblingen peker på et ukjent felt: «{str(ours)[:40]}».")
        resolved[normalise(theirs)] = code
    return resolved


def match_header(cells: Iterable[object], aliases: Mapping[str, str], mapping: Mapping[str, str]) -> dict[int, str]:
    """{column index -> field code} for the header cells that name a known field (the mapping first).

    A mapping target that belongs to the other file (a pair field in the case file) does not match here.
    """
    matched: dict[int, str] = {}
    known = set(aliases.values())
    for index, cell in enumerate(cells):
        key = normalise(cell)
        if not key:
            continue
        code = mapping.get(key)
        if code is None or code not in known:
            code = aliases.get(key)
        if code is not None:
            matched[index] = code
    return matched


def documentation() -> list[tuple[str, str, str, str]]:
    """(file, field, accepted names, description) rows for the page and the docs."""
    rows = []
    for file_nb, fields in (("Saksfil", CASE_FIELDS), ("Parfil", LINK_FIELDS)):
        for f in fields:
            names = list(dict.fromkeys((f.name_nb, f.code, *f.aliases)))
            rows.append((file_nb, f.name_nb, ", ".join(names), f.description_nb))
    return rows


def setting_documentation() -> list[tuple[str, str]]:
    """(Norwegian setting name, accepted words) rows."""
    return [
        (EXPOSURE_SETTING_NB[code], ", ".join(dict.fromkeys((EXPOSURE_SETTING_NB[code].lower(), *words, code))))
        for code, words in _SETTING_WORDS.items()
    ]

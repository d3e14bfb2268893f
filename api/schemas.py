"""Request and response bodies of /api/v1, as pydantic v2 models.

Requests are parsed from the raw JSON (``model_validate_json``) in strict mode: unknown fields are refused, dates
are ISO strings ("2026-03-01"), numbers are numbers and booleans are booleans; nothing is coerced. Query strings
are parsed by the lax ``Query`` models (everything arrives as text there). Responses are built from the domain's
ORM objects and dataclasses (``from_attributes``) and dumped in JSON mode, so dates come out as "yyyy-mm-dd" and
times as ISO 8601 in UTC.

Org units are named by their public code (kommune or bydel number, "0301", "030101"; "NO" for Norge) in request
bodies, because that is what other systems know; responses give id, code and name.

The OpenAPI document (api/openapi.py) is generated from these models, so what is documented is what is checked.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from data import national_id as nid
from data.models import CLUSTER_KINDS, CLUSTER_MEMBER_ROLES, EXPOSURE_SETTINGS, SEXES, TEST_METHODS
from tracing.persons import synthetic_ids_allowed
from tracing.rules import FOLLOW_UP_OUTCOMES, OUTCOMES_CLOSE, RULE_SETS
from tracing.worklists import MAX_PAGE_ROWS

# --- building blocks -------------------------------------------------------------------------------------------


def _national_id(value: str) -> str:
    """Validate a fødselsnummer/D-nummer at the boundary. The error is a fixed sentence without the number."""
    try:
        return nid.parse(value, allow_synthetic=synthetic_ids_allowed()).value
    except nid.NationalIdError as error:
        raise PydanticCustomError("nb", "{message}", {"message": error.message}) from None


def _blank_to_none(value: str | None) -> str | None:
    return value or None


def _blank_text_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


NationalIdText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    AfterValidator(_national_id),
    Field(description="Fødselsnummer, D-nummer or H-nummer (11 digits). Only ever sent in a body, never in a URL."),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _text(max_length: int) -> Any:
    """Optional free text: trimmed, an empty string means "not given"."""
    return Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=max_length), AfterValidator(_blank_to_none)]


OrgUnitCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^(NO|[0-9]{2}|[0-9]{4}|[0-9]{6})$"),
    Field(description='Org unit code: kommune number ("0301"), bydel number ("030101"), fylke ("03") or "NO".', examples=["0301"]),
]
Id = Annotated[int, Field(ge=1)]
Version = Annotated[int, Field(ge=1, description="The version the client last read; a stale version is refused with 409.")]
Postcode = Annotated[str | None, StringConstraints(strip_whitespace=True, pattern=r"^([0-9]{4})?$"), AfterValidator(_blank_to_none)]

Sex = Literal[SEXES]  # type: ignore[valid-type]
TestMethod = Literal[TEST_METHODS]  # type: ignore[valid-type]
Setting = Literal[EXPOSURE_SETTINGS]  # type: ignore[valid-type]
ClusterKind = Literal[CLUSTER_KINDS]  # type: ignore[valid-type]
MemberRole = Literal[CLUSTER_MEMBER_ROLES]  # type: ignore[valid-type]
CloseOutcome = Literal[OUTCOMES_CLOSE]  # type: ignore[valid-type]
FollowUpOutcome = Literal[FOLLOW_UP_OUTCOMES]  # type: ignore[valid-type]
RuleSetCode = Literal[tuple(RULE_SETS)]  # type: ignore[valid-type]


class Body(BaseModel):
    """A request body: strict JSON, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", strict=True, str_strip_whitespace=True)


class Query(BaseModel):
    """A query string: values arrive as text and are converted; unknown parameters refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """A response body, read from ORM objects and dataclasses."""

    model_config = ConfigDict(from_attributes=True)


# --- requests: persons ----------------------------------------------------------------------------------------


class PersonSearchBody(Body):
    """Fuzzy name search (tolerant of æøå, diacritics and typos) within the caller's org units; 11 digits in
    ``text`` search by fødselsnummer instead."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    birth_date: dt.date | None = None
    limit: Annotated[int, Field(ge=1, le=100)] = 20


class NationalIdLookupBody(Body):
    """Exact national look-up by fødselsnummer (audited): tells whether the person exists and where."""

    national_id: NationalIdText


class PersonFields(Body):
    first_name: Name
    middle_name: _text(100) = None  # type: ignore[valid-type]
    last_name: Name
    national_id: Annotated[NationalIdText | None, BeforeValidator(_blank_text_to_none)] = None
    birth_date: dt.date | None = Field(None, description="Required without a national id; derived from it otherwise.")
    sex: Sex | None = None
    phone: _text(32) = None  # type: ignore[valid-type]
    email: _text(200) = None  # type: ignore[valid-type]
    address: _text(200) = None  # type: ignore[valid-type]
    postcode: Postcode = None
    post_place: _text(100) = None  # type: ignore[valid-type]
    home_org_unit: OrgUnitCode | None = Field(None, description="Home kommune (or bydel) code; may lie outside the caller's units.")


class PersonCreateBody(PersonFields):
    duplicate_reason: _text(500) = Field(  # type: ignore[valid-type]
        None, description="Why the person is created although possible duplicates exist (create anyway)."
    )


class PersonDuplicatesBody(PersonFields):
    """The person about to be created: which existing persons it may duplicate."""


class PersonUpdateBody(PersonFields):
    """Replaces every person field (an omitted optional field is cleared)."""

    version: Version


# --- requests: cases ------------------------------------------------------------------------------------------


class IndexFields(Body):
    org_unit: OrgUnitCode
    test_date: dt.date
    test_method: TestMethod
    symptom_onset: dt.date | None = None
    asymptomatic: bool = False
    infected_where: _text(200) = None  # type: ignore[valid-type]
    workplace_or_school: _text(200) = None  # type: ignore[valid-type]
    risk_group: _text(100) = None  # type: ignore[valid-type]
    rule_set: RuleSetCode | None = Field(None, description="Rule set code; the default set when omitted.")


class IndexCreateBody(IndexFields):
    person_id: Id


class IndexUpdateBody(IndexFields):
    """Replaces the index fields (dates are recomputed by the case's rules)."""

    version: Version


class ConvertBody(IndexFields):
    """The index case the contact becomes; ``version`` is the contact case's version."""

    version: Version


class ContactBody(Body):
    person_id: Id
    exposure_date: dt.date
    setting: Setting
    cluster_id: Id | None = None
    org_unit: OrgUnitCode | None = Field(None, description="Where the contact is followed up; the source case's unit by default.")


class CloseBody(Body):
    outcome: CloseOutcome
    version: Version
    note: _text(5000) = None  # type: ignore[valid-type]


class ReopenBody(Body):
    note: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    version: Version


class AssignBody(Body):
    user_id: Id | None = Field(description="The tracer to assign, or null to unassign.")
    version: Version | None = None


class NoteBody(Body):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class FollowUpBody(Body):
    outcome: FollowUpOutcome
    note: _text(5000) = None  # type: ignore[valid-type]


class FollowUpBulkBody(Body):
    follow_up_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]
    outcome: FollowUpOutcome


# --- requests: clusters ---------------------------------------------------------------------------------------


class ClusterBody(Body):
    """A cluster (klynge/hendelse). On PUT every field is replaced."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    kind: ClusterKind
    org_unit: OrgUnitCode
    address: _text(200) = None  # type: ignore[valid-type]
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    description: _text(5000) = None  # type: ignore[valid-type]


class MemberBody(Body):
    person_id: Id
    role: MemberRole


# --- queries ---------------------------------------------------------------------------------------------------

SortText = Annotated[
    str | None,
    StringConstraints(strip_whitespace=True, max_length=300, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(:(asc|desc))?(,[A-Za-z_][A-Za-z0-9_]*(:(asc|desc))?)*$"),
    Field(description='Sort order, "column:asc" or "column:desc", several separated by commas.', examples=["next_follow_up:asc"]),
]
ColumnsText = Annotated[
    str | None,
    StringConstraints(strip_whitespace=True, max_length=500, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(,[A-Za-z_][A-Za-z0-9_]*)*$"),
    Field(description="Columns to export, in order, separated by commas; the list's default columns when omitted."),
]


def parse_sort(text: str | None) -> list[tuple[str, str]]:
    """ "a:asc,b:desc,c" -> [("a", "asc"), ("b", "desc"), ("c", "asc")]."""
    if not text:
        return []
    out = []
    for part in text.split(","):
        column, _, direction = part.partition(":")
        out.append((column, direction or "asc"))
    return out


class _Page(BaseModel):
    start: Annotated[int, Field(ge=0, description="First row (0-based).")] = 0
    end: Annotated[int, Field(ge=0, description=f"One past the last row; at most {MAX_PAGE_ROWS} rows per page.")] = 100

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end: int, info: ValidationInfo) -> int:
        start = info.data.get("start")
        if start is None:
            return end
        if end < start:
            raise PydanticCustomError("nb", "{message}", {"message": "Slutt kan ikke være før start."})
        if end - start > MAX_PAGE_ROWS:
            raise PydanticCustomError("nb", "{message}", {"message": f"Høyst {MAX_PAGE_ROWS} rader per side."})
        return end


class WorklistQuery(Query, _Page):
    sort: SortText = None


class WorklistQueryBody(Body, _Page):
    """A page of a worklist with AG Grid-style filters (``filters`` keyed by column id)."""

    sort: list[Annotated[tuple[str, Literal["asc", "desc"]], Field()]] = Field(
        default_factory=list, description='[["next_follow_up", "asc"], ...]'
    )
    filters: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='AG Grid filter model, e.g. {"phone": {"filterType": "text", "type": "contains", "filter": "9"}}.',
    )


class ExportQuery(Query):
    format: Literal["csv", "xlsx"] = "csv"
    sort: SortText = None
    columns: ColumnsText = None


class BulkCasesBody(Body):
    case_ids: Annotated[list[Id], Field(min_length=1, max_length=500)]


class BulkAssignBody(BulkCasesBody):
    user_id: Id | None = Field(description="The tracer to assign, or null to unassign.")


# --- responses -------------------------------------------------------------------------------------------------


class OrgUnitOut(Out):
    id: int
    code: str
    name: str


class GrantOut(Out):
    role: str
    org_unit: OrgUnitOut


class MeOut(BaseModel):
    username: str
    display_name: str
    user_id: int | None
    authenticated_by: Literal["session", "token"]
    permissions: list[str]
    grants: list[GrantOut]
    csrf_token: str | None = Field(None, description="Session clients: send as X-CSRF-Token on POST/PUT.")


class PersonOut(Out):
    id: int
    national_id: str | None = Field(description="Full number: only for persons in the caller's scope.")
    first_name: str
    middle_name: str | None
    last_name: str
    full_name: str
    birth_date: dt.date | None
    sex: str
    phone: str | None
    email: str | None
    address: str | None
    postcode: str | None
    post_place: str | None
    home_org_unit: OrgUnitOut | None
    source: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int


class PersonHitOut(Out):
    person_id: int
    full_name: str
    birth_date: dt.date | None
    masked_national_id: str | None = Field(description='Date part only, "DDMMYY*****".')
    home_org_unit_name: str | None
    score: float
    in_scope: bool = Field(description="False: the person exists but is outside the caller's org units (cannot be opened).")
    birth_year: int | None = None


class PersonHitsOut(BaseModel):
    hits: list[PersonHitOut]


class NationalLookupOut(Out):
    found: bool
    person_id: int | None = Field(description="Only when the person is in the caller's scope.")
    full_name: str | None
    birth_year: int | None
    responsible_kommune: str | None
    in_scope: bool


class CaseOut(Out):
    id: int
    person_id: int
    kind: str
    status: str
    outcome: str | None
    org_unit: OrgUnitOut
    rule_set: str | None
    isolation_start: dt.date | None
    isolation_end: dt.date | None
    quarantine_start: dt.date | None
    quarantine_end: dt.date | None
    test_date: dt.date | None
    test_method: str | None
    symptom_onset: dt.date | None
    asymptomatic: bool
    infected_where: str | None
    workplace_or_school: str | None
    risk_group: str | None
    assigned_to_id: int | None
    next_follow_up: dt.date | None
    chain_id: int | None
    self_registered: bool
    enrolled_at: dt.datetime
    closed_at: dt.datetime | None
    version: int


class ExposureOut(Out):
    id: int
    source_case_id: int
    contact_person_id: int
    contact_case_id: int | None
    exposure_date: dt.date
    setting: str
    cluster_id: int | None


class ContactOut(BaseModel):
    case: CaseOut
    exposure: ExposureOut


class FollowUpOut(Out):
    id: int
    case_id: int
    due_date: dt.date
    done_at: dt.datetime | None
    done_by_id: int | None
    outcome: str | None
    note: str | None


class FollowUpsOut(BaseModel):
    follow_ups: list[FollowUpOut]


class BulkResultOut(BaseModel):
    updated: int


class NoteOut(Out):
    id: int
    case_id: int
    author_id: int | None
    author_name: str | None = None
    created_at: dt.datetime
    text: str


class NotesOut(BaseModel):
    notes: list[NoteOut]


class RuleSetOut(Out):
    code: str
    name_nb: str
    isolation_days: int
    quarantine_days: int
    follow_up_every_days: int
    source_nb: str


class SourceExposureOut(Out):
    exposure_id: int
    source_case_id: int
    source_person_id: int
    source_person_name: str = Field(description="A placeholder when the caller may not open that person.")
    exposure_date: dt.date
    setting: str
    cluster_id: int | None
    cluster_name: str | None
    can_open: bool


class ContactRowOut(Out):
    exposure_id: int
    contact_case_id: int | None
    person_id: int
    full_name: str = Field(description="A placeholder when the caller may not open that person.")
    exposure_date: dt.date
    setting: str
    case_status: str | None
    cluster_id: int | None
    cluster_name: str | None
    can_open: bool


class CaseViewOut(Out):
    """The case page in one read: the case, its rules, where it came from, its contacts, follow-ups and notes."""

    case: CaseOut
    person_id: int
    person_name: str
    org_unit_name: str
    rule_set: RuleSetOut
    source_exposures: list[SourceExposureOut]
    contacts: list[ContactRowOut]
    follow_ups: list[FollowUpOut]
    notes: list[NoteOut]
    assigned_to_name: str | None


class AssignableUserOut(BaseModel):
    user_id: int
    display_name: str


class AssignableUsersOut(BaseModel):
    users: list[AssignableUserOut]


class PersonExposureOut(Out):
    """An exposure seen from the person: ``other_*`` is the source (exposures_in) or the contact (exposures_out)."""

    exposure_id: int
    exposure_date: dt.date
    setting: str
    source_case_id: int
    contact_case_id: int | None
    other_person_id: int | None = Field(description="None when the caller may not open the other person.")
    other_full_name: str | None
    other_org_unit_name: str | None
    cluster_id: int | None
    cluster_name: str | None
    can_open: bool


class PersonClusterOut(Out):
    cluster_id: int
    name: str
    kind: str
    status: str
    role: str
    start_date: dt.date | None
    end_date: dt.date | None
    org_unit_name: str
    can_open: bool


class TestResultOut(Out):
    __test__ = False  # not a pytest class

    id: int
    sample_date: dt.date
    result_date: dt.date | None
    method: str
    result: str
    lab: str | None


class AuditEventOut(Out):
    id: int
    at: dt.datetime
    action: str
    username: str | None
    entity: str | None
    entity_id: int | None
    detail: dict[str, Any] | None


class PersonRecordOut(Out):
    """The person page ("enrollment dashboard") in one read; audited as a view of the person."""

    person: PersonOut
    cases: list[CaseOut]
    test_results: list[TestResultOut]
    exposures_in: list[PersonExposureOut]
    exposures_out: list[PersonExposureOut]
    clusters: list[PersonClusterOut]
    follow_ups: list[FollowUpOut]
    notes: list[NoteOut]
    history: list[AuditEventOut]


class ClusterOut(Out):
    id: int
    name: str
    kind: str
    org_unit_id: int
    address: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    status: str
    description: str | None
    created_at: dt.datetime


class ClusterListItemOut(BaseModel):
    cluster: ClusterOut
    member_count: int


class ClustersOut(BaseModel):
    clusters: list[ClusterListItemOut]


class MemberRowOut(Out):
    person_id: int
    full_name: str
    birth_year: int | None
    role: str
    case_status: str | None
    org_unit_name: str | None
    other_kommune: bool
    can_open: bool


class ClusterViewOut(Out):
    cluster: ClusterOut
    org_unit_name: str
    index: list[MemberRowOut]
    contacts: list[MemberRowOut]
    others: list[MemberRowOut]
    other_kommune: list[MemberRowOut] = Field(description="Members owned by a kommune outside the caller's scope: name and birth year only.")


class ClusterMemberOut(Out):
    id: int
    cluster_id: int
    person_id: int
    role: str
    added_at: dt.datetime


class WorklistOut(BaseModel):
    key: str
    label: str
    description: str
    columns: list[str]
    headers: dict[str, str] = Field(description="Column id -> Norwegian header.")
    default_columns: list[str]
    default_sort: list[tuple[str, str]]
    total: int = Field(description="Rows in the list for the caller now.")


class WorklistsOut(BaseModel):
    worklists: list[WorklistOut]


class WorklistPageOut(BaseModel):
    """Rows ``start``..``end`` of a worklist (dates as yyyy-mm-dd, codes in English) and the list's total."""

    key: str
    label: str
    start: int
    end: int
    total: int
    rows: list[dict[str, Any]]


class ErrorItem(BaseModel):
    field: str
    message: str
    location: list[str]


class ErrorOut(BaseModel):
    """Every refusal: ``field`` names the input in Norwegian, ``message`` says why in Norwegian."""

    field: str = Field(examples=["fødselsnummer"])
    message: str = Field(examples=["Kontrollsifrene i fødselsnummeret stemmer ikke."])
    errors: list[ErrorItem] | None = Field(None, description="422 only: every problem found in the body or query.")
    duplicates: list[PersonHitOut] | None = Field(None, description='POST /persons with field "duplikat" only: the possible duplicates.')

"""Query and response models of the /api/v1/analytics endpoints (issue 4: spread analytics).

The report models mirror ``graph.measures.report_dict`` - the same JSON the CLI prints with ``spread-report
--json`` - so the API and the CLI cannot disagree, and the OpenAPI document describes that JSON field by field.
Every measure is an ``EstimateOut``: a value with its 95% interval, or ``value`` null and ``missing`` saying why
(never NaN).

Dates in the query string are accepted as ``yyyy-mm-dd`` and as ``dd.mm.yyyy`` (what a Norwegian user types);
dates in replies are always ``yyyy-mm-dd``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from api.schemas import ClusterKind, OrgUnitCode, OrgUnitOut, Out, Query, Setting


DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
BAD_DATE_NB = "Ugyldig dato. Bruk formatet åååå-mm-dd eller dd.mm.åååå."


def _query_date(value: Any) -> Any:
    """A date from the query string: ISO or Norwegian dd.mm.yyyy; anything else gets one Norwegian sentence."""
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise PydanticCustomError("nb", "{message}", {"message": BAD_DATE_NB})


def _blank_to_none(value: Any) -> Any:
    """``?setting=`` (an empty form field) means "no filter", not an invalid setting."""
    return None if isinstance(value, str) and not value.strip() else value


QueryDate = Annotated[dt.date, BeforeValidator(_query_date)]

# --- queries ---------------------------------------------------------------------------------------------------


class SpreadQuery(Query):
    """An org unit (and everything below it) and a date window, with optional filters."""

    org_unit: OrgUnitCode
    from_: QueryDate = Field(alias="from", description="First day of the window: yyyy-mm-dd or dd.mm.yyyy.", examples=["2026-01-01"])
    to: QueryDate = Field(description="Last day of the window (inclusive): yyyy-mm-dd or dd.mm.yyyy.", examples=["2026-01-31"])
    setting: Annotated[Setting | None, BeforeValidator(_blank_to_none)] = Field(None, description="Only exposures in this setting.")
    cluster_kind: Annotated[ClusterKind | None, BeforeValidator(_blank_to_none)] = Field(
        None, description="Only cases in clusters of this kind."
    )
    active_only: Annotated[bool, BeforeValidator(lambda v: _blank_to_none(v) or False)] = Field(
        False, description="Only chains that are still active (a case or exposure within the follow-up window)."
    )

    @field_validator("to")
    @classmethod
    def _to_after_from(cls, to: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("from_")
        if start is not None and to < start:
            raise PydanticCustomError("nb", "{message}", {"message": "Til-datoen kan ikke være før fra-datoen."})
        return to


# --- the report ------------------------------------------------------------------------------------------------


class EstimateOut(BaseModel):
    """A measure: ``value`` with its 95% interval ``low``-``high`` from ``n`` observations, or ``value`` null and
    ``missing`` saying why in Norwegian. ``low``/``high`` may be null when no finite interval exists."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    missing: str | None
    method: str = Field(description="How it was estimated (e.g. Wilson, negative binomial ML).")


class OffspringOut(BaseModel):
    """Offspring (secondary cases per case) of the cases whose follow-up is complete."""

    r: EstimateOut = Field(description="Reproduction number R: mean offspring.")
    k: EstimateOut = Field(description="Dispersion k of a negative-binomial fit (ML, profile-likelihood interval).")
    top80: EstimateOut = Field(description="Share of cases that caused 80% of transmission.")
    n: int = Field(description="Cases counted.")


class SerialIntervalOut(BaseModel):
    """Serial interval in days: from infector-infectee pairs, or the case-to-case method (Vink et al. 2014)."""

    mean: EstimateOut
    sd: EstimateOut
    pairs: int
    negative: int = Field(description="Pairs where the infectee's onset came first (kept in the estimate).")
    method: str


class GrowthOut(BaseModel):
    """Exponential growth over the last 14 days (per day), with doubling or halving time in days."""

    rate: EstimateOut
    doubling_days: EstimateOut
    halving_days: EstimateOut
    cases: int


class MeasuresOut(BaseModel):
    """The measures of one group of cases (overall, a cluster or a setting)."""

    cases: int
    contacts: int
    contacts_became_cases: int
    attack_rate: EstimateOut = Field(description="Secondary attack rate: contacts who became cases / contacts.")
    offspring: OffspringOut
    serial_interval: SerialIntervalOut
    serial_interval_icc: SerialIntervalOut | None = Field(description="Case-to-case method; null when not computed.")
    growth: GrowthOut


class ClusterMeasuresOut(BaseModel):
    """A cluster's measures. In aggregate form (callers without a case-work role) ``cluster_id`` and ``name`` are
    null: a cluster's name can name a person or a private party."""

    cluster_id: int | None
    name: str | None
    kind: str | None
    org_unit_id: int | None
    measures: MeasuresOut


class SettingMeasuresOut(BaseModel):
    """The measures of one setting; the unit is the exposure (see graph/measures.py)."""

    setting: str
    measures: MeasuresOut


class ChainOut(BaseModel):
    """A transmission chain. ``id`` and ``roots`` are case node keys ("c123", "a7"); in aggregate form ``id`` is
    a running number and ``roots`` is empty."""

    id: str
    size: int = Field(description="Cases in the chain (contacts who never became cases are not counted).")
    generations: int
    start: dt.date | None
    end: dt.date | None
    active: bool
    roots: list[str]
    contacts: int


class KpisOut(BaseModel):
    chains: int
    active_chains: int
    largest: int
    max_generations: int


class ReportOut(BaseModel):
    """The spread report: overall measures, per cluster and per setting, the chains and their KPIs."""

    as_of: dt.date = Field(description="The day the analysis is made for.")
    follow_up_days: int = Field(description="A chain with a case or exposure this many days before as_of is active.")
    censor_days: int = Field(description="Cases dated later than as_of minus this many days are left out of R, k and the serial interval.")
    cases: int
    contacts_only: int = Field(description="Contacts who never became cases.")
    overall: MeasuresOut
    by_cluster: list[ClusterMeasuresOut]
    by_setting: list[SettingMeasuresOut]
    kpis: KpisOut
    chains: list[ChainOut] = Field(description="Largest first.")


# --- endpoint replies ------------------------------------------------------------------------------------------


class OutbreakOut(Out):
    """An analysis outbreak: an imported line list (its cases are not persons in the register)."""

    id: int
    label: str
    org_unit: OrgUnitOut
    mode: str = Field(description='"analysis" (line list only) or "cases" (imported as real cases).')
    case_count: int
    link_count: int
    created_at: dt.datetime


class OutbreaksOut(BaseModel):
    outbreaks: list[OutbreakOut]


class OutbreakReportOut(BaseModel):
    """The spread report of one imported outbreak (``aggregate``: without cluster names and case keys)."""

    outbreak: OutbreakOut
    aggregate: bool = False
    report: ReportOut


class ClusterRefOut(Out):
    id: int
    name: str
    kind: str
    org_unit_id: int
    status: str
    start_date: dt.date | None
    end_date: dt.date | None


class ClusterReportOut(BaseModel):
    """The spread report restricted to one cluster's cases and exposures."""

    cluster: ClusterRefOut
    report: ReportOut


class SpreadReportOut(BaseModel):
    """The spread report of an org unit and date window. ``aggregate`` true: the caller holds no case-work role
    (FHI), so clusters are anonymised and chains carry no case keys."""

    org_unit: OrgUnitOut
    from_: dt.date = Field(serialization_alias="from")
    to: dt.date
    aggregate: bool
    report: ReportOut

"""The store: SQLAlchemy 2 typed models for Smittespor's core data model (see DESIGN.md).

Times are stored as naive UTC and handed back timezone-aware (``UTCDateTime``), because SQLite keeps no
zone and the UI converts to Europe/Oslo. Enumerations are plain strings checked by CHECK constraints, so
that SQLite and PostgreSQL hold the same thing and migrations stay simple.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

# Constraint names are fixed so that Alembic migrations name the same things on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Vocabularies. The code words are English (glossary in DESIGN.md); the UI translates them.
ORG_UNIT_LEVELS = {1: "land", 2: "fylke", 3: "kommune", 4: "bydel"}
CASE_KINDS = ("index", "contact")
CASE_STATUSES = ("active", "closed", "cancelled")
SEXES = ("female", "male", "unknown")
EXPOSURE_SETTINGS = (
    "household",
    "school",
    "kindergarten",
    "workplace",
    "health_institution",
    "event",
    "travel",
    "other",
)
CLUSTER_KINDS = (
    "concert",
    "event",
    "nursing_home",
    "kindergarten",
    "school",
    "workplace",
    "household",
    "private_gathering",
    "other",
)
CLUSTER_MEMBER_ROLES = ("index", "contact", "other")
TEST_METHODS = ("PCR", "antigen", "selftest")
TEST_RESULTS = ("positive", "negative", "inconclusive")
MSIS_STATUSES = ("pending", "sent", "failed", "acknowledged")
ROLES = ("smittesporer", "kommuneoverlege", "systemansvarlig", "rapportuttak", "fhi", "admin")
PERSON_SOURCES = ("manual", "demo", "freg", "self_registration", "test_result", "import")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out; naive UTC in the column."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class OrgUnit(Base):
    """Norge > fylke > kommune > bydel. ``path`` is the materialised ancestry ("/NO/46/4601/")."""

    __tablename__ = "org_unit"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 4", name="level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    official_name: Mapped[str | None] = mapped_column(String(200))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    path: Mapped[str] = mapped_column(String(80), unique=True)
    population: Mapped[int | None] = mapped_column(Integer)
    population_year: Mapped[int | None] = mapped_column(Integer)

    parent: Mapped[OrgUnit | None] = relationship(remote_side=[id])

    @validates("code")
    def _code_is_fixed(self, key: str, value: str) -> str:
        # Kommune numbers follow Kartverket's register: a unit's code is set once and never edited.
        if self.code is not None and self.code != value:
            raise ValueError("org unit codes cannot be changed")
        return value

    @property
    def level_name(self) -> str:
        return ORG_UNIT_LEVELS[self.level]


class KommuneNumberChange(Base):
    """Mapping from the 2020-2023 kommune numbers to the 2024 ones, for imports of older data."""

    __tablename__ = "kommune_number_change"
    __table_args__ = (UniqueConstraint("old_code", "new_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    old_code: Mapped[str] = mapped_column(String(4), index=True)
    old_name: Mapped[str] = mapped_column(String(120))
    new_code: Mapped[str] = mapped_column(String(4))
    new_name: Mapped[str] = mapped_column(String(120))
    changed_on: Mapped[dt.date] = mapped_column(Date)


class Person(Base):
    """One human, shared across kommuner. ``name_key`` is the folded name used by fuzzy search."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint(_in("source", PERSON_SOURCES), name="source"),
        Index("ix_person_birth_date_name_key", "birth_date", "name_key"),
        Index("ix_person_name_key", "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    national_id: Mapped[str | None] = mapped_column(String(11), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(220))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(4))
    post_place: Mapped[str | None] = mapped_column(String(100))
    home_org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    household_key: Mapped[str | None] = mapped_column(String(64), index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20), default="manual")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    home_org_unit: Mapped[OrgUnit | None] = relationship()
    cases: Mapped[list[Case]] = relationship(back_populates="person", order_by="Case.enrolled_at")

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def __repr__(self) -> str:  # never show the national id
        return f"Person(id={self.id})"


class Case(Base):
    """An enrolment of a person for follow-up in one org unit: an index case or a close contact.

    At most one active case per person and kind: a partial unique index enforces it in the database
    as well as in tracing/.
    """

    __tablename__ = "case"
    __table_args__ = (
        CheckConstraint(_in("kind", CASE_KINDS), name="kind"),
        CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        Index(
            "uq_case_one_active_per_kind",
            "person_id",
            "kind",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_case_worklist", "org_unit_id", "status", "next_follow_up"),
        Index("ix_case_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    status: Mapped[str] = mapped_column(String(10), default="active")
    outcome: Mapped[str | None] = mapped_column(String(40))
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]
    self_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_set: Mapped[str | None] = mapped_column(String(40))
    isolation_start: Mapped[dt.date | None] = mapped_column(Date)
    isolation_end: Mapped[dt.date | None] = mapped_column(Date)
    quarantine_start: Mapped[dt.date | None] = mapped_column(Date)
    quarantine_end: Mapped[dt.date | None] = mapped_column(Date)
    test_date: Mapped[dt.date | None] = mapped_column(Date)
    test_method: Mapped[str | None] = mapped_column(String(10))
    symptom_onset: Mapped[dt.date | None] = mapped_column(Date)
    asymptomatic: Mapped[bool] = mapped_column(Boolean, default=False)
    infected_where: Mapped[str | None] = mapped_column(String(200))
    workplace_or_school: Mapped[str | None] = mapped_column(String(200))
    risk_group: Mapped[str | None] = mapped_column(String(100))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    # Earliest open follow-up date, kept by tracing/ so the worklist is one indexed range scan.
    next_follow_up: Mapped[dt.date | None] = mapped_column(Date)
    # Transmission chain (connected component of exposures), kept as exposures are added (DESIGN.md perf notes).
    chain_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    person: Mapped[Person] = relationship(back_populates="cases")
    org_unit: Mapped[OrgUnit] = relationship()
    follow_ups: Mapped[list[FollowUp]] = relationship(back_populates="case", order_by="FollowUp.due_date")
    notes: Mapped[list[Note]] = relationship(back_populates="case", order_by="Note.created_at")

    __mapper_args__ = {"version_id_col": version}


class Exposure(Base):
    """The link index -> contact: who exposed whom, when, where."""

    __tablename__ = "exposure"
    __table_args__ = (CheckConstraint(_in("setting", EXPOSURE_SETTINGS), name="setting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    contact_person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    contact_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    exposure_date: Mapped[dt.date] = mapped_column(Date)
    setting: Mapped[str] = mapped_column(String(20))
    cluster_id: Mapped[int | None] = mapped_column(ForeignKey("cluster.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class Cluster(Base):
    """An event or place where several index cases and contacts were (klynge / hendelse)."""

    __tablename__ = "cluster"
    __table_args__ = (
        CheckConstraint(_in("kind", CLUSTER_KINDS), name="kind"),
        CheckConstraint(_in("status", ("active", "closed")), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="active")
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list[ClusterMember]] = relationship(back_populates="cluster")


class ClusterMember(Base):
    __tablename__ = "cluster_member"
    __table_args__ = (
        UniqueConstraint("cluster_id", "person_id"),
        CheckConstraint(_in("role", CLUSTER_MEMBER_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cluster_id: Mapped[int] = mapped_column(ForeignKey("cluster.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    cluster: Mapped[Cluster] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class FollowUp(Base):
    """A scheduled call or check of a case on a date; ``done_at`` is set when it is recorded."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_case_due", "case_id", "due_date"),
        Index("ix_follow_up_open_due", "done_at", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    due_date: Mapped[dt.date] = mapped_column(Date)
    done_at: Mapped[dt.datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    outcome: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="follow_ups")


class Note(Base):
    """Append-only free text on a case."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="notes")


class TestResult(Base):
    """A lab or home test result (prøvesvar). ``external_id`` makes ingest idempotent."""

    __tablename__ = "test_result"
    __test__ = False  # not a pytest class
    __table_args__ = (
        CheckConstraint(_in("method", TEST_METHODS), name="method"),
        CheckConstraint(_in("result", TEST_RESULTS), name="result"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    national_id: Mapped[str | None] = mapped_column(String(11), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    sample_date: Mapped[dt.date] = mapped_column(Date)
    result_date: Mapped[dt.date | None] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(10))
    result: Mapped[str] = mapped_column(String(12))
    lab: Mapped[str | None] = mapped_column(String(120))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MsisReport(Base):
    """A notification of a case to MSIS, sent through an outbox with retries."""

    __tablename__ = "msis_report"
    __table_args__ = (
        CheckConstraint(_in("status", MSIS_STATUSES), name="status"),
        Index("ix_msis_report_outbox", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(14), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    external_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]


class SelfRegistration(Base):
    """A citizen's home-test form, and what it became (``outcome``, ``case_id``)."""

    __tablename__ = "self_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    submitter_national_id: Mapped[str] = mapped_column(String(11), index=True)
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(40))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"))


class User(Base):
    """A person who logs in. Table ``app_user``: ``user`` is a reserved word in PostgreSQL."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None]

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="user",
        order_by="RoleAssignment.id",
        cascade="all, delete-orphan",
        foreign_keys="RoleAssignment.user_id",
    )


class RoleAssignment(Base):
    """A role held in an org unit; access reaches the unit and everything below it."""

    __tablename__ = "role_assignment"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "org_unit_id"),
        CheckConstraint(_in("role", ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(20))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])
    org_unit: Mapped[OrgUnit] = relationship()


class KommuneSettings(Base):
    """Per-kommune switches for integrations and self-registration."""

    __tablename__ = "kommune_settings"

    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    self_registration_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    freg_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    krr_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    provesvar_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sysvak_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    msis_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class AuditEvent(Base):
    """Append-only log: every read of a named person, every change, export, register look-up and login."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(40))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SavedView(Base):
    """A user's saved worklist view: which columns, filters and sort order, by name."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("user_id", "worklist", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    worklist: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiToken(Base):
    """A bearer token for a system client, scoped to one org unit and a set of permissions.

    Only a SHA-256 hash of the token is stored; the token itself is shown once, when it is created.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    permissions: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]

    org_unit: Mapped[OrgUnit] = relationship()


class IngestCursor(Base):
    """Where a periodic ingest job stopped, so runs are idempotent and resume."""

    __tablename__ = "ingest_cursor"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(200))
    last_run: Mapped[dt.datetime | None]
    status: Mapped[str | None] = mapped_column(String(20))
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON)


ANALYSIS_MODES = ("analysis", "cases")


class AnalysisOutbreak(Base):
    """A line list imported for analysis only (an "analysis outbreak"): its cases and transmission pairs live in
    ``analysis_case`` / ``analysis_link`` and never become persons or cases in the register.

    ``label`` is unique within an org unit; the CLI and the API name an outbreak by it.
    """

    __tablename__ = "analysis_outbreak"
    __table_args__ = (
        UniqueConstraint("org_unit_id", "label"),
        CheckConstraint(_in("mode", ANALYSIS_MODES), name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10), default="analysis")
    cases_file: Mapped[str | None] = mapped_column(String(200))
    links_file: Mapped[str | None] = mapped_column(String(200))
    case_count: Mapped[int] = mapped_column(Integer, default=0)
    link_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    org_unit: Mapped[OrgUnit] = relationship()


class AnalysisCase(Base):
    """One row of an imported line list. No name and no fødselsnummer: an analysis outbreak is not a register."""

    __tablename__ = "analysis_case"
    __table_args__ = (
        UniqueConstraint("outbreak_id", "external_id"),
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint(f"setting IS NULL OR {_in('setting', EXPOSURE_SETTINGS)}", name="setting"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outbreak_id: Mapped[int] = mapped_column(ForeignKey("analysis_outbreak.id", ondelete="CASCADE"), index=True)
    external_id: Mapped[str] = mapped_column(String(64))
    symptom_onset: Mapped[dt.date | None] = mapped_column(Date)
    test_date: Mapped[dt.date | None] = mapped_column(Date)
    report_date: Mapped[dt.date | None] = mapped_column(Date)
    cluster_name: Mapped[str | None] = mapped_column(String(200))
    setting: Mapped[str | None] = mapped_column(String(20))
    kommune_code: Mapped[str | None] = mapped_column(String(4))
    age: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(8), default="unknown")
    row_number: Mapped[int | None] = mapped_column(Integer)


class AnalysisLink(Base):
    """A transmission pair of an analysis outbreak. Undirected pairs are stored oriented (by symptom onset) with
    ``directed`` false, so the graph knows the direction was inferred."""

    __tablename__ = "analysis_link"
    __table_args__ = (CheckConstraint(f"setting IS NULL OR {_in('setting', EXPOSURE_SETTINGS)}", name="setting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbreak_id: Mapped[int] = mapped_column(ForeignKey("analysis_outbreak.id", ondelete="CASCADE"), index=True)
    infector_id: Mapped[int] = mapped_column(ForeignKey("analysis_case.id", ondelete="CASCADE"))
    infectee_id: Mapped[int] = mapped_column(ForeignKey("analysis_case.id", ondelete="CASCADE"))
    directed: Mapped[bool] = mapped_column(Boolean, default=True)
    setting: Mapped[str | None] = mapped_column(String(20))
    exposure_date: Mapped[dt.date | None] = mapped_column(Date)


class ClusterSuggestionDismissal(Base):
    """A suggested cluster a doctor dismissed; ``key`` identifies the suggestion (kind + normalised evidence
    value + org unit) so it is not suggested again unless new cases join it (``case_ids`` at dismissal)."""

    __tablename__ = "cluster_suggestion_dismissal"
    __table_args__ = (UniqueConstraint("org_unit_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    key: Mapped[str] = mapped_column(String(300))
    case_ids: Mapped[list[int]] = mapped_column(JSON)
    dismissed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

"""Creating users, checking passwords, and the demo users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from data import audit
from data.models import ROLES, OrgUnit, RoleAssignment, User
from data.orgunits import by_code


class UserError(ValueError):
    """A refused user operation, with a Norwegian message naming the field."""

    def __init__(self, field: str, message_nb: str) -> None:
        super().__init__(message_nb)
        self.field = field
        self.message_nb = message_nb


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    org_unit_code: str


DEMO_PASSWORD = "demo"
DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("sporer.oslo", "Sara Sporer (Oslo)", "smittesporer", "0301"),
    DemoUser("overlege.oslo", "Ola Overlege (Oslo)", "kommuneoverlege", "0301"),
    DemoUser("systemansvarlig.oslo", "Siri Systemansvarlig (Oslo)", "systemansvarlig", "0301"),
    DemoUser("rapport.oslo", "Rita Rapport (Oslo)", "rapportuttak", "0301"),
    DemoUser("sporer.bergen", "Bjørn Sporer (Bergen)", "smittesporer", "4601"),
    DemoUser("overlege.bergen", "Berit Overlege (Bergen)", "kommuneoverlege", "4601"),
    DemoUser("sporer.rendalen", "Randi Sporer (Rendalen)", "smittesporer", "3424"),
    DemoUser("fhi", "Frida FHI", "fhi", "NO"),
    DemoUser("admin", "Arne Admin", "admin", "NO"),
)

# Werkzeug's default (scrypt) is the right strength for real users; demo users are recreated at every start,
# so they take pbkdf2 with fewer rounds to keep `make run` quick. Both verify with check_password_hash.
DEMO_HASH_METHOD = "pbkdf2:sha256:50000"


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    display_name: str | None = None,
    grants: Sequence[tuple[str, str]] = (),
    is_demo: bool = False,
    hash_method: str | None = None,
) -> User:
    """Create a user with ``grants`` as (role, org unit code) pairs."""
    username = username.strip().lower()
    if not username:
        raise UserError("brukernavn", "Brukernavn må fylles ut.")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError("brukernavn", "Brukernavnet er allerede i bruk.")
    if len(password) < (1 if is_demo else 10):
        raise UserError("passord", "Passordet må ha minst 10 tegn.")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password, method=hash_method) if hash_method else generate_password_hash(password),
        is_demo=is_demo,
    )
    session.add(user)
    for role, code in grants:
        grant_role(session, user, role, code)
    session.flush()
    audit.record(session, "user_created", entity="user", entity_id=user.id, detail={"username": username})
    return user


def grant_role(session: Session, user: User, role: str, org_unit_code: str) -> RoleAssignment:
    if role not in ROLES:
        raise UserError("rolle", f"Ukjent rolle. Gyldige roller: {', '.join(ROLES)}.")
    unit: OrgUnit | None = by_code(session, org_unit_code)
    if unit is None:
        raise UserError("organisasjonsenhet", "Fant ingen organisasjonsenhet med det nummeret.")
    assignment = RoleAssignment(role=role, org_unit=unit)
    user.roles.append(assignment)
    return assignment


def authenticate(session: Session, username: str, password: str, *, demo_mode: bool) -> User | None:
    """The user if the username and password match an active account; demo users only in demo mode.

    Always runs a hash check, so that a wrong username takes as long as a wrong password.
    """
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    usable = user is not None and user.active and (demo_mode or not user.is_demo)
    stored = user.password_hash if user is not None else _DUMMY_HASH
    ok = check_password_hash(stored, password)
    if not (usable and ok):
        return None
    assert user is not None
    user.last_login_at = dt.datetime.now(dt.timezone.utc)
    return user


_DUMMY_HASH = generate_password_hash("not-a-password", method=DEMO_HASH_METHOD)


def ensure_demo_users(session: Session) -> list[User]:
    """Create the demo users that are missing (password ``demo``) and return them all, in DEMO_USERS order."""
    users = []
    for demo in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == demo.username))
        if user is None:
            user = create_user(
                session,
                demo.username,
                DEMO_PASSWORD,
                display_name=demo.display_name,
                grants=[(demo.role, demo.org_unit_code)],
                is_demo=True,
                hash_method=DEMO_HASH_METHOD,
            )
        users.append(user)
    return users

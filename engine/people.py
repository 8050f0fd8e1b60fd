"""Managing who may do what: the admin page's list of users with their roles and groups."""
from sqlalchemy import select

from . import roles, users
from .models import User


def _split(text):
    return sorted({part.strip() for part in (text or "").split(",") if part.strip()})


def as_dict(row):
    return {"username": row.username, "display_name": row.display_name, "roles": sorted(roles.of(row)),
            "explicit_roles": sorted(({"admin"} if row.is_admin else set()) | set(row.roles or [])),
            "groups": list(row.groups or []), "created_at": row.created_at.isoformat()}


def list_people(uow):
    return [as_dict(r) for r in uow.session.scalars(select(User).order_by(User.username))]


def add_person(uow, username, password, role_names, groups_text):
    """A new user with these roles and groups (groups as typed: comma-separated)."""
    groups = _split(groups_text)
    users.create_user(uow, username, password, groups=groups)
    return roles.set_roles(uow, username, list(role_names), groups)


def change_access(uow, username, role_names, groups_text):
    return roles.set_roles(uow, username, list(role_names), _split(groups_text))

"""Roles: what the pages let a person do. Groups decide whose tasks are whose; roles decide the rest.

admin     everything (a user with is_admin)
designer  deploys models
operator  looks after running instances: incidents, retries, cancelling
user      works on tasks and starts processes (every signed-in person)
"""
from .errors import BadRequest, Forbidden, NotFound
from .users import find_user

ROLES = ("admin", "designer", "operator", "user")


def of(user):
    """The effective roles of a user row or Principal (anything with is_admin and roles)."""
    if user is None:
        return set()
    if getattr(user, "is_admin", False):
        return set(ROLES)
    return {"user"} | {r for r in (getattr(user, "roles", None) or []) if r in ROLES}


def has(user, role):
    return role in of(user)


def require(user, role):
    if not has(user, role):
        raise Forbidden(f"this needs the {role} role")


def set_roles(uow, username, roles, groups=None):
    """Give a user exactly these roles (and, when given, these candidate groups)."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise BadRequest(f"unknown role(s): {', '.join(unknown)}; roles are {', '.join(ROLES)}")
    user = find_user(uow, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    # admin is the existing is_admin flag, so the API's notion of an admin stays the same.
    user.is_admin = "admin" in roles
    user.roles = sorted(set(roles) - {"admin"})
    if groups is not None:
        user.groups = sorted(set(groups))
    uow.commit()
    return {"username": user.username, "roles": sorted(of(user)), "groups": list(user.groups or [])}

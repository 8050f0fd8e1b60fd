"""Users, passwords and API tokens."""
import hashlib
import hmac
import re
import secrets

from sqlalchemy import select

from .errors import BadRequest, Conflict, NotFound
from .models import ApiToken, User

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,150}$")
_SCRYPT = dict(n=2**14, r=8, p=1)


def hash_password(password):
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password_hash, password):
    try:
        scheme, salt, digest = password_hash.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), **_SCRYPT)
    return hmac.compare_digest(candidate.hex(), digest)


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def as_dict(user):
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "is_admin": user.is_admin, "groups": list(user.groups or [])}


def find_user(uow, username):
    return uow.session.scalar(select(User).where(User.username == username))


def create_user(uow, username, password, is_admin=False, groups=(), display_name=None):
    if not isinstance(username, str) or not USERNAME.match(username):
        raise BadRequest("username must be 1-150 letters, digits or _ . @ -")
    if not isinstance(password, str) or len(password) < 8:
        raise BadRequest("password must be at least 8 characters")
    if find_user(uow, username) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), is_admin=is_admin,
                groups=sorted(set(groups)), display_name=display_name)
    uow.session.add(user)
    uow.commit()
    return as_dict(user)


def authenticate(uow, username, password):
    """The user for a username and password, or None: callers must not learn which one was wrong."""
    user = find_user(uow, username) if isinstance(username, str) else None
    if user is None or not isinstance(password, str) or not check_password(user.password_hash, password):
        return None
    return user


def create_token(uow, username, name="default"):
    """A new API token; only its hash is stored, so the plain text is returned once, here."""
    user = find_user(uow, username)
    if user is None:
        raise NotFound(f"no user {username!r}")
    token = secrets.token_urlsafe(32)
    uow.session.add(ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token)))
    uow.commit()
    return token


def user_for_token(uow, token):
    if not token:
        return None
    # One query: the token's user, not the token row and then its user.
    return uow.session.scalar(select(User).join(ApiToken, ApiToken.user_id == User.id)
                              .where(ApiToken.token_hash == _token_hash(token)))


def get_user(uow, user_id):
    return uow.session.get(User, user_id)

"""Flask settings from the environment."""
import os
import secrets

from engine.settings import database_url, redis_url, var_dir


def secret_key():
    """SECRET_KEY, or one generated once and kept in var/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = var_dir() / "secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def from_environment():
    return {
        "DATABASE_URL": database_url(),
        "REDIS_URL": redis_url(),
        "SECRET_KEY": secret_key(),
        "MAX_CONTENT_LENGTH": int(os.environ.get("BATON_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
    }

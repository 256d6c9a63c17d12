"""Optional login: a users file of password hashes (:mod:`auth.users`) and the Flask-Login gate on the
app's server (:mod:`auth.web`). Off unless ``PORTFOLIO_DESK_USERS`` is set; imports no dash."""

from auth.users import LoginConfigError, User, UsersFile, add_user
from auth.web import SECRET_ENV, USERS_ENV, Settings, configure, install, settings_from_env, user_name

__all__ = [
    "LoginConfigError",
    "SECRET_ENV",
    "Settings",
    "USERS_ENV",
    "User",
    "UsersFile",
    "add_user",
    "configure",
    "install",
    "settings_from_env",
    "user_name",
]

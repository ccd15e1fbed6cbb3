"""Sign-in and refusal for the Streamlit app.

Two ways to sign in, chosen by configuration:
- embedded default: a form checked against the local users file (dashboards/users.py, bcrypt hashes);
- OpenID Connect: when `.streamlit/secrets.toml` has an `[auth]` section, Streamlit's `st.login()` signs the
  user in at the provider, and the role (and a chief physician's facility) come from claims of the ID token
  named in `[dashboards]` (`role_claim`, `facility_claim`, optional `role_map`). See docs/dashboards.md.

Sign-in outlives a reload: the local sign-in sets a cookie holding a signed, timestamped token
(`dashboards.users.session_token`, itsdangerous), read back from `st.context.cookies` when a new session
starts; sign-out expires it. Streamlit can read cookies but not set them, so the cookie is written by a line
of script in the page (`st.html`). The OIDC sign-in keeps Streamlit's own signed cookie.

Every page calls `require(page_key)` first: a role that may not see the page gets an error and the page
stops, whatever the menu shows and whatever URL was typed.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from dashboards.roles import PAGE_BY_KEY, ROLES, may_see
from dashboards.users import User, authenticate, list_users, session_token, user_from_session, users_file

SESSION_KEY = "user"
COOKIE = "emias_dashboards_session"
SESSION_SECONDS = 12 * 3600  # a working day: then sign in again
_COOKIE_TO_WRITE = "_session_cookie"  # this session's token to keep in the cookie, or "" to expire it
_SIGNED_OUT = "_signed_out"  # this session signed out: its page-load cookie no longer counts


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # a malformed or missing secrets file means no OIDC, not a broken app
        return False


def _dashboards_secrets() -> dict[str, Any]:
    try:
        return dict(st.secrets.get("dashboards", {}))
    except Exception:
        return {}


def user_from_claims(claims: dict[str, Any], settings: dict[str, Any]) -> User | None:
    """Map the provider's claims to a dashboards user; None when the claim names no known role."""
    role_claim = settings.get("role_claim", "role")
    raw = claims.get(role_claim)
    candidates = raw if isinstance(raw, list) else [raw]
    role_map = dict(settings.get("role_map", {}))
    role = next((role_map.get(c, c) for c in candidates if role_map.get(c, c) in ROLES), None)
    if role is None:
        return None
    facility = claims.get(settings.get("facility_claim", "facility_id"))
    name = claims.get("email") or claims.get("preferred_username") or claims.get("sub") or "?"
    return User(str(name), role, int(facility) if facility not in (None, "") else None)


def current_user() -> User | None:
    stored = st.session_state.get(SESSION_KEY)
    if stored:
        return User(**stored) if isinstance(stored, dict) else stored
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        user = user_from_claims(st.user.to_dict(), _dashboards_secrets())
        if user is not None:
            st.session_state[SESSION_KEY] = user.__dict__
        return user
    return _user_from_cookie()


def _user_from_cookie() -> User | None:
    """The user of the sign-in cookie the browser sent when it loaded the page (a reload, a new tab)."""
    if st.session_state.get(_SIGNED_OUT):
        return None
    token = st.context.cookies.get(COOKIE) if st.context.cookies else None
    user = user_from_session(token, SESSION_SECONDS) if token else None
    if user is not None:
        st.session_state[SESSION_KEY] = user.__dict__
    return user


def write_cookie() -> None:
    """Set (after a sign-in here) or expire (after a sign-out here) the sign-in cookie. The router calls this
    on every run: a run can be cut short by a rerun before the browser has run the script, so the script is
    sent again each time. Secure over HTTPS; SameSite=Strict; the token itself expires SESSION_SECONDS after
    the sign-in."""
    token = st.session_state.get(_COOKIE_TO_WRITE)
    if token is None:
        return
    age = SESSION_SECONDS if token else 0
    cookie = f"{COOKIE}={token}; Path=/; Max-Age={age}; SameSite=Strict"
    script = (
        f'document.cookie = {json.dumps(cookie)} + (window.location.protocol === "https:" ? "; Secure" : "");'
    )
    st.html(f"<script>{script}</script>", unsafe_allow_javascript=True)


def sign_in_form() -> None:
    """The sign-in screen (local form, or a button to the OIDC provider)."""
    st.title("EMIAS city health dashboards")
    if _oidc_configured():
        if getattr(st.user, "is_logged_in", False):
            st.error("Your account has no dashboards role: ask an administrator to grant one.")
            st.button("Sign out", on_click=st.logout)
        else:
            st.button("Sign in", on_click=st.login, key="oidc_sign_in")
        return
    with st.form("sign_in"):
        name = st.text_input("User name", key="sign_in_name")
        password = st.text_input("Password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        user = authenticate(name, password)
        if user is None:
            st.error("Unknown user name or wrong password.")
        else:
            st.session_state[SESSION_KEY] = user.__dict__
            st.session_state[_COOKIE_TO_WRITE] = session_token(user.name)
            st.session_state.pop(_SIGNED_OUT, None)
            st.rerun()
    if not list_users():
        st.warning(
            f"No users yet in {users_file()}: add one with "
            "`python -m dashboards.users add NAME --role ROLE`, or one per role for a demo with "
            "`python -m dashboards.users demo`."
        )
    else:
        st.caption("Users are added with `python -m dashboards.users add NAME --role ROLE`.")


def sign_out() -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state[_SIGNED_OUT] = True
    st.session_state[_COOKIE_TO_WRITE] = ""
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def require(page_key: str) -> User:
    """Stop the page unless the signed-in user's role may see it; return the user."""
    user = current_user()
    if user is None:
        st.error("Please sign in to see this page.")
        st.stop()
    if not may_see(user.role, page_key):
        st.error(
            f"Refused: the {PAGE_BY_KEY[page_key].title} page is not open to the role "
            f"{ROLES.get(user.role, user.role)}."
        )
        st.stop()
    return user

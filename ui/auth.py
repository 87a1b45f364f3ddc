"""Sign-in: nobody sees the workspace before signing in, once sign-in is configured.

Sign-in is configured by a user list with argon2id hashes (:mod:`core.auth.users`) and/or an
``[auth]`` section in ``.streamlit/secrets.toml`` for Streamlit's own OpenID Connect sign-in
(``st.login``). Without either the app is in single-user local mode, which it serves on a
loopback address only. ``python -m ui.auth check`` says, in one line, when ``--network`` must refuse.
"""

from __future__ import annotations

import math
import sys

import streamlit as st

from core.auth.throttle import SignInThrottle
from core.auth.users import normal_name, read_users, users_file, verify_password
from core.errors import CoreError
from ui.state import USER_KEY, current_user, session_uid, signed_in_with_provider
from ui.widgets import md

_THROTTLE = SignInThrottle()  # wrong passwords per user name and browser session, for this server process
NOT_CONFIGURED = ("Sign-in is not configured, so the app will not serve the network: add a user with "
                  "`.venv/bin/python -m core users add NAME` (or an [auth] section for your identity provider "
                  "in .streamlit/secrets.toml), then start it again.")


def oidc_providers() -> list[str | None]:
    """The OpenID Connect providers of ``[auth]`` in the secrets (``None``: the section's own); [] without."""
    if not st.secrets.load_if_toml_exists() or "auth" not in st.secrets:
        return []
    auth = st.secrets["auth"]
    named = [name for name, value in auth.items() if hasattr(value, "items")]
    return [None] if "client_id" in auth or not named else named


def serves_network() -> bool:
    """Whether the server listens beyond this machine (any address but a loopback one or a Unix socket)."""
    address = str(st.get_option("server.address") or "")
    return not (address in ("localhost", "::1") or address.startswith(("127.", "unix://")))


def sign_in_configured() -> bool:
    """Whether anyone can sign in: a user list with at least one user, or an identity provider."""
    return bool(read_users(users_file())) or bool(oidc_providers())


def admitted() -> bool:
    """Whether this session may see the workspace: signed in, or single-user local mode on loopback."""
    try:
        users = read_users(users_file())
    except CoreError:
        return False  # a broken list shuts the door; sign_in_page says why
    if signed_in_with_provider():
        return bool(oidc_providers())
    if users or oidc_providers():
        return st.session_state.get(USER_KEY) in users
    return not serves_network()


def sign_in_page() -> None:
    """The sign-in form (or why nobody can sign in), then the run stops: nothing else is drawn."""
    st.title("Sign in")
    try:
        users = read_users(users_file())
    except CoreError as exc:
        st.error(md(exc.message), icon=":material/error:")
        st.stop()
    providers = oidc_providers()
    if not users and not providers:
        st.error(NOT_CONFIGURED, icon=":material/lock:")
        st.stop()
    st.caption("Segment Studio holds customers' personal data: sign in to open your workspace.")
    for provider in providers:
        if st.button(f"Sign in with {provider or 'your identity provider'}", key=f"sign-in-{provider or 'oidc'}",
                     icon=":material/login:", type="primary"):
            st.login(provider)
    if users:
        with st.form("sign-in", clear_on_submit=True, width=420):
            name = st.text_input("User name", key="sign-in-name", autocomplete="username")
            password = st.text_input("Password", type="password", key="sign-in-password",
                                     autocomplete="current-password")
            if st.form_submit_button("Sign in", icon=":material/login:", type="primary", key="sign-in-submit"):
                _try_password(users, normal_name(name), password)
    st.stop()


def _try_password(users: dict[str, str], name: str, password: str) -> None:
    """Sign in with the user list, unless this name or this session must wait after wrong passwords."""
    keys = (f"user:{name}", f"session:{session_uid()}")
    wait = _THROTTLE.wait(*keys)
    if wait > 0:
        st.error(f"Too many wrong passwords: try again in {math.ceil(wait)} s.", icon=":material/timer:")
    elif verify_password(users, name, password):
        _THROTTLE.succeeded(*keys)
        st.session_state[USER_KEY] = name
        st.rerun()
    else:
        _THROTTLE.failed(*keys)
        st.error("Wrong user name or password.", icon=":material/error:")


def sign_out_button() -> None:
    """Who is signed in and a Sign out button, in the sidebar (nothing in single-user local mode)."""
    user = current_user()
    if not user:
        return
    with st.sidebar:
        st.caption(f"Signed in as {md(user)}")
        if st.button("Sign out", icon=":material/logout:", key="sign-out"):
            with_provider = signed_in_with_provider()
            st.session_state.clear()
            st.query_params.clear()
            if with_provider:
                st.logout()  # the browser goes through Streamlit's logout route, which clears the cookie
            else:
                st.rerun()


if __name__ == "__main__":
    if sys.argv[1:] != ["check"]:
        sys.exit("usage: python -m ui.auth check")
    try:
        configured = sign_in_configured()
    except CoreError as exc:
        sys.exit(f"error: {exc.message}")
    if not configured:
        sys.exit(f"error: {NOT_CONFIGURED}")

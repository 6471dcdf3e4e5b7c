"""Prefilled Switch Role links, in the AWS console's format, from CONSOLE_BASE_URL only."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings

from . import switching, url_space


def switch_link(account: str, role_name: str, display_name: str = "", color: str = "", redirect_uri: str = "") -> str:
    """`{CONSOLE_BASE_URL}/switchrole?account=..&roleName=..&displayName=..&color=..&redirect_uri=..`.

    `redirect_uri` (a page of the console to open after the switch) is kept only when
    `url_space.console_path` accepts it.

    Never built from the request's Host header: a poisoned Host must not end up in a link that
    is copied or emailed.
    """
    params = {"account": account, "roleName": role_name}
    if display_name:
        params["displayName"] = display_name.strip()[:64].rstrip()
    color = switching.normalize_color(color)
    if color:
        params["color"] = color
    landing = url_space.console_path(redirect_uri)
    if landing:
        params["redirect_uri"] = landing
    return f"{settings.CONSOLE_BASE_URL}/switchrole?{urlencode(params)}"


def role_name_with_path(path: str, name: str) -> str:
    """('/team/', 'App') -> 'team/App', the form the roleName parameter takes."""
    return f"{path.strip('/')}/{name}" if path.strip("/") else name


def for_role(role, display_name: str | None = None, color: str | None = None, redirect_uri: str = "") -> str:
    return switch_link(
        role.account.alias or role.account.account_id,
        role_name_with_path(role.path, role.name),
        role.display_name if display_name is None else display_name,
        role.color if color is None else color,
        redirect_uri,
    )


def for_session(session, redirect_uri: str = "") -> str:
    """The link that reopens the current role with the same display name and colour (and, when
    given, the page to open)."""
    account = session.role.account if session.role else None
    label = (account.alias or account.account_id) if account else session.account_id
    path, name = session.role_arn.split(":role", 1)[1].rsplit("/", 1)
    return switch_link(label, role_name_with_path(path + "/", name), session.display_name, session.color, redirect_uri)


def switch_form_for_session(session) -> str:
    """The Switch Role form (on this site) filled in to switch into `session`'s role again."""
    return "/switchrole?" + for_session(session).split("?", 1)[1]

"""The rows of the S3 object table, rendered in Python.

A listing page has up to 100 rows of a dozen values each; through the template language that
cost more than S3's own answer (benchmarks/s3.py: ~100 ms of the page on this machine), so the
rows are built here with `format_html` (every value escaped) and the template places them. The
markup is the table's interface (tests and scripts read it): change both together.
"""

from __future__ import annotations

from urllib.parse import quote

from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from . import text
from .templatetags.console_text import key_attr, s3_time, visible_path


def _q(value: str) -> str:
    return quote(value, safe="")


def _button(label: str, css: str, reason: str) -> SafeString:
    return format_html('<button class="{}" type="button" disabled title="{}">{}</button>', css, reason, label)


def render_rows(rows, *, urls: dict[str, str], versions: bool) -> SafeString:
    """`urls`: the bucket's listing, object, download and delete URLs (no query)."""
    out = [_folder_row(row, versions) if row.is_folder else _object_row(row, urls, versions) for row in rows]
    return mark_safe("".join(out))  # noqa: S308 - each row built with format_html


def _folder_row(row, versions: bool) -> SafeString:
    suffix = "&versions=1" if versions else ""
    return format_html(
        "<tr>\n"
        '<td class="check"><input type="checkbox" name="prefixes" value="{}" '
        'aria-label="Select folder {}"></td>\n'
        '<td data-label="Name" class="name"><a href="{}">'
        '<span class="icon folder" aria-hidden="true"></span>{}</a></td>\n'
        '<td data-label="Type">Folder</td>\n<td data-label="Size" class="num">-</td>\n'
        '<td data-label="Last modified">-</td>\n<td data-label="Storage class">-</td>\n'
        '<td class="row-actions"></td>\n</tr>\n',
        key_attr(row.prefix),
        text.visible(row.name),
        f"?prefix={_q(row.prefix)}{suffix}",
        visible_path(row.name),
    )


def _row_css(o, versions: bool) -> str:
    if o.is_delete_marker:
        return ' class="delete-marker"'
    return ' class="old-version"' if versions and not o.is_latest else ""


def _checkbox(row, versions: bool) -> SafeString:
    o = row.object
    if versions:
        return format_html(
            '<input type="checkbox" name="{}" value="{}" aria-label="Select {} version {}">',
            "versions" if o.version_id else "keys",
            key_attr(row.selection),
            text.visible(row.name),
            o.version_id or "",
        )
    return format_html(
        '<input type="checkbox" name="keys" value="{}" aria-label="Select {}">',
        key_attr(o.key),
        text.visible(row.name),
    )


def _name_cell(row, object_url: str, versions: bool) -> SafeString:
    o = row.object
    if o.is_delete_marker:
        name = format_html(  # no link (a marker has no content); laid out as the links are
            '<span class="marker-name"><span class="icon file" aria-hidden="true"></span>{}</span>',
            visible_path(row.name),
        )
    else:
        name = format_html(
            '<a href="{}"><span class="icon file" aria-hidden="true"></span>{}</a>',
            object_url,
            visible_path(row.name),
        )
    if versions:
        current = mark_safe(' <span class="tag">current</span>') if o.is_latest else ""
        name = format_html('{}<div class="version mono">{}{}</div>', name, o.version_id or "null", current)
    return name


def _actions(row, urls: dict[str, str], query: str) -> SafeString:
    actions = []
    if not row.object.is_delete_marker:
        if row.download.allowed:
            actions.append(format_html('<a class="btn small" href="{}">Download</a>', urls["download"] + query))
        else:
            actions.append(_button("Download", "btn small", row.download.reason))
    if row.delete.allowed:
        actions.append(format_html('<a class="btn small danger" href="{}">Delete</a>', urls["delete"] + query))
    else:
        actions.append(_button("Delete", "btn small danger", row.delete.reason))
    return mark_safe("\n".join(actions))  # noqa: S308 - each built with format_html


def _object_row(row, urls: dict[str, str], versions: bool) -> SafeString:
    o = row.object
    query = f"?key={_q(o.key)}" + (f"&version={_q(o.version_id or '')}" if versions else "")
    return format_html(
        "<tr{}>\n"
        '<td class="check">{}</td>\n'
        '<td data-label="Name" class="name">{}</td>\n'
        '<td data-label="Type">{}</td>\n'
        '<td data-label="Size" class="num">{}</td>\n'
        '<td data-label="Last modified"><time datetime="{}">{}</time></td>\n'
        '<td data-label="Storage class">{}</td>\n'
        '<td class="row-actions">{}</td>\n</tr>\n',
        mark_safe(_row_css(o, versions)),  # noqa: S308 - one of three constants
        _checkbox(row, versions),
        _name_cell(row, urls["object"] + query, versions),
        row.type,
        "-" if row.size is None else filesizeformat(row.size),
        o.last_modified.isoformat() if o.last_modified else "",
        s3_time(o.last_modified),
        row.storage_class or "-",
        _actions(row, urls, query),
    )

"""What happens in identity and access, for the layers above to react to without being imported.

accounts/ is the bottom layer: it never imports console/. Where the console must react (write
the audit log, end role sessions), accounts sends one of these signals and console's receivers
(`console/receivers.py`, connected in `ConsoleConfig.ready`) do the work, as Django's own
`user_logged_out` does for signing out.

Every signal is sent with `send()`, never `send_robust()`: receivers run synchronously, in the
request (and its transaction), and an exception in one (the audit log refusing a write)
propagates to the sender exactly as the direct call did, so nothing is silently left unrecorded.
Each signal's arguments (besides `sender`, the model class concerned) are listed beside it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

#: request, user, detail: a person signed in (password, or password then MFA code).
signed_in = Signal()
#: request, username (as typed), detail: a sign-in was refused.
signin_failed = Signal()
#: request, user, old_session_key: the person changed their password in this browser (the
#: console moves this browser's role sessions to the new key and ends those of other browsers).
password_changed = Signal()
#: request, device: an MFA device was assigned (activated).
mfa_enabled = Signal()
#: request, device, result: an MFA code was refused (wrong, replayed, or the budget is spent).
mfa_failed = Signal()
#: request, serial, by_admin: an MFA device was removed, by its user or an administrator.
mfa_disabled = Signal()
#: user: the user's MFA device is gone; whatever was granted on it must end (role sessions whose
#: trust policy needed MFA, in every browser). Sent inside the deleting transaction.
mfa_device_removed = Signal()
#: request, key: an access key was created (its secret is never an argument).
access_key_created = Signal()
#: request, detail: an access key was activated, deactivated or deleted.
access_key_changed = Signal()
#: request, detail, role_arn: an administrator changed something in the admin.
admin_changed = Signal()


#: (signal, receiver) pairs, as a module of receivers lists them for `connect_all`.
Receivers = list[tuple[Signal, Callable[..., None]]]


def connect_all(receivers: Receivers, owner: str) -> None:
    """Connect each receiver strongly, once: `owner` (the receiving module) keys the dispatch_uid,
    so connecting again (a second AppConfig.ready in tests) changes nothing."""
    for signal, receiver in receivers:
        signal.connect(receiver, weak=False, dispatch_uid=f"{owner}.{receiver.__name__}")

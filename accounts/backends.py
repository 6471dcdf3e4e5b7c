"""Sign-in: an account (ID or alias), an IAM username and a password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from .models import Account, User


class AccountUserBackend(ModelBackend):
    """Authenticates a user *of a given account*.

    A wrong account, a wrong user and a wrong password all fail the same way and take the same
    time: the password hasher runs once whatever is missing (no enumeration oracle).
    """

    @sensitive_variables("password")
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        *,
        account: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if username is None or password is None:
            return None
        found = Account.lookup(account or "")
        user = User.objects.filter(account=found, username=username).first() if found else None
        if user is None:
            User().set_password(password)  # same cost as a real check
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

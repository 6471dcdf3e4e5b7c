"""Seeding the demo world: idempotent, keeps people's changes, honours DEMO_PASSWORD."""

from __future__ import annotations

import pytest

from accounts.models import Account, Group, InlinePolicy, Role, User
from console.emulator import world

pytestmark = pytest.mark.integration


def test_seeding_twice_changes_nothing_people_changed(demo_world) -> None:
    alice = User.objects.get(username="alice")
    developers = Group.objects.get(name="Developers")
    developers.members.remove(alice)
    policy = InlinePolicy.objects.get(group=developers)
    policy.document = '{"Version": "2012-10-17", "Statement": []}'
    policy.save()
    Role.objects.filter(name="UpdateAPP").update(max_session_duration=7200)
    alice.set_password("alice-changed-it")
    alice.save()

    result = world.seed_database(None)

    assert result.created == [] and result.password is None
    alice.refresh_from_db()
    assert alice.check_password("alice-changed-it")
    assert not developers.members.filter(pk=alice.pk).exists()
    assert InlinePolicy.objects.get(group=developers).document.endswith("[]}")
    assert Role.objects.get(name="UpdateAPP").max_session_duration == 7200
    assert Account.objects.count() == 2 and User.objects.filter(username__in=world.DEMO_USERS).count() == 3


def test_demo_password_resets_every_demo_user(demo_world) -> None:
    world.seed_database("a-new-demo-password")
    for name in world.DEMO_USERS:
        assert User.objects.get(username=name).check_password("a-new-demo-password")


def test_fresh_world_has_the_named_things(demo_world) -> None:
    dev = Account.objects.get(account_id="111122223333")
    prod = Account.objects.get(account_id="123456789012")
    assert (dev.alias, dev.is_home, prod.alias) == ("example-dev", True, "example-prod")
    assert User.objects.get(username="alice").iam_groups.get().name == "Developers"
    assert User.objects.get(username="bob").iam_groups.get().name == "Testers"
    assert User.objects.get(username="admin").is_staff
    assert Role.objects.get(name="UpdateAPP").arn == "arn:aws:iam::123456789012:role/UpdateAPP"
    view = Role.objects.get(name="ViewAPP")
    assert (view.display_name, view.get_color_display(), view.requires_mfa) == ("Production (read-only)", "Blue", False)


def test_who_may_use_which_role(demo_world) -> None:
    """alice: UpdateAPP, ViewAPP, and UpdateAPP-MFA with MFA; bob: ViewAPP only."""
    from accounts import switch_decision

    def usable(username: str, mfa_age: int | None = None) -> set[str]:
        user = User.objects.get(username=username)
        return {r.name for r in Role.objects.all() if switch_decision.decide_for(user, r, mfa_age=mfa_age).allowed}

    demo = {"UpdateAPP", "UpdateAPP-MFA", "ViewAPP"}
    assert usable("alice") & demo == {"UpdateAPP", "ViewAPP"}
    assert usable("alice", mfa_age=60) & demo == demo
    assert usable("bob") & demo == usable("bob", mfa_age=60) & demo == {"ViewAPP"}


def test_viewapp_switch_policy_is_attached_once(demo_world) -> None:
    from accounts.models import Policy

    switch = Policy.objects.get(name="AllowSwitchToViewAPP")
    Group.objects.get(name="Testers").managed_policies.remove(switch)
    assert world.seed_database(None).created == []
    assert not Group.objects.get(name="Testers").managed_policies.exists()

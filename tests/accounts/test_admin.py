"""Admin pages: validation, audit, sync and drift against the moto server, who can switch, revoke."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from accounts import switch_decision
from accounts.models import Account, Group, InlinePolicy, Policy, Role, User
from console import aws, managed
from console.models import AuditEvent, RoleSession
from tests.conftest import PASSWORD, SWITCH_TO_UPDATEAPP, sign_in, switch
from tests.pages import page_text, table_rows

pytestmark = pytest.mark.integration

UPDATEAPP = "arn:aws:iam::123456789012:role/UpdateAPP"


@pytest.fixture
def admin_client(demo_world) -> Client:
    client = Client()
    sign_in(client, "admin")
    return client


def test_only_staff_reach_the_admin(alice_client: Client) -> None:
    response = alice_client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert "The administration pages are for administrators only." in response.content.decode()


def test_signed_out_administrator_signs_in_through_the_console(demo_world) -> None:
    from tests.conftest import PASSWORD

    client = Client()
    response = client.get("/admin/accounts/role/", follow=True)
    assert response.redirect_chain[-1][0] == "/signin?next=%2Fadmin%2Faccounts%2Frole%2F"
    signed_in = client.post(
        "/signin",
        {"account": "example-dev", "username": "admin", "password": PASSWORD, "next": "/admin/accounts/role/"},
    )
    assert signed_in.url == "/admin/accounts/role/"
    assert client.get(signed_in.url).status_code == 200


def test_index_offers_the_console_tools(admin_client: Client) -> None:
    html = admin_client.get("/admin/").content.decode()
    for tool in ("Access matrix", "Policy simulator", "Audit log"):
        assert f">{tool}</a>" in html


def test_account_validation_and_audit(admin_client: Client) -> None:
    bad = admin_client.post(
        "/admin/accounts/account/add/", {"account_id": "12345", "alias": "Bad_Alias", "credentials_source": "profile"}
    )
    html = bad.content.decode()
    assert "An account ID is exactly 12 digits." in html
    assert "An account alias is 3-63 lowercase letters" in html
    assert not Account.objects.filter(account_id="12345").exists()
    ok = admin_client.post(
        "/admin/accounts/account/add/",
        {"account_id": "444455556666", "alias": "example-stage", "name": "Staging", "credentials_source": "none"},
    )
    assert ok.status_code == 302
    assert AuditEvent.objects.filter(
        kind="admin_change", username="admin", detail__startswith="added account example-stage"
    ).exists()


def test_profile_source_needs_a_profile_name(admin_client: Client) -> None:
    html = admin_client.post(
        "/admin/accounts/account/add/", {"account_id": "444455556666", "credentials_source": "profile"}
    ).content.decode()
    assert "Name the boto3 profile that manages this account." in html


def test_add_user_with_iam_rules_in_the_home_account(admin_client: Client) -> None:
    page = admin_client.get("/admin/accounts/user/add/").content.decode()
    dev = Account.objects.get(alias="example-dev")
    assert re.search(rf'<option value="{dev.pk}" selected>', page)
    bad = admin_client.post(
        "/admin/accounts/user/add/",
        {"account": dev.pk, "username": "carol smith", "usable_password": "true", "password1": "x", "password2": "x"},
    )
    assert "Use up to 64 letters, digits and the characters +=,.@_-" in bad.content.decode()
    weak = admin_client.post(
        "/admin/accounts/user/add/",
        {"account": dev.pk, "username": "carol", "usable_password": "true", "password1": "short", "password2": "short"},
    )
    assert "at least 12 characters" in weak.content.decode()
    ok = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "account": dev.pk,
            "username": "carol",
            "email": "carol@example.com",
            "usable_password": "true",
            "password1": "a-long-enough-pass",
            "password2": "a-long-enough-pass",
            "must_change_password": "on",
        },
    )
    assert ok.status_code == 302
    carol = User.objects.get(username="carol")
    assert carol.account == dev and carol.must_change_password and carol.unique_id.startswith("AIDA")
    change = page_text(admin_client.get(f"/admin/accounts/user/{carol.pk}/change/"))
    assert "ARN: arn:aws:iam::111122223333:user/carol" in change and carol.unique_id in change


def test_require_a_new_password_at_next_sign_in(demo_world) -> None:
    User.objects.filter(username="alice").update(must_change_password=True)
    client = Client()
    sign_in(client, "alice")
    assert client.get("/switchrole").url == "/password"
    assert client.post("/switchrole", SWITCH_TO_UPDATEAPP).url == "/password"
    current = {"current_password": PASSWORD}
    weak = client.post("/password", {**current, "new_password1": "123456789012", "new_password2": "123456789012"})
    assert weak.status_code == 400 and "This password is entirely numeric." in weak.content.decode()
    new = {"new_password1": "a-brand-new-secret", "new_password2": "a-brand-new-secret"}
    wrong = client.post("/password", {"current_password": "not-it", **new})
    assert wrong.status_code == 200 and "Your current password is not correct." in wrong.content.decode()
    done = client.post("/password", {**current, **new})
    assert done.url == "/"
    assert client.get("/switchrole").status_code == 200  # still signed in, no longer confined
    alice = User.objects.get(username="alice")
    assert alice.check_password("a-brand-new-secret") and not alice.must_change_password


def test_group_inline_policy_errors_point_at_the_statement_and_save_nothing(admin_client: Client) -> None:
    group = Group.objects.get(name="Developers")
    policy = InlinePolicy.objects.get(group=group)
    data = _group_form(group, name="Renamed")
    data.update(
        {
            "inline_policies-TOTAL_FORMS": "2",
            "inline_policies-1-name": "Broken",
            "inline_policies-1-document": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Sid": "Good", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                        {"Sid": "Bad", "Effect": "Allow", "Action": "s3:*", "Resource": "productionapp"},
                    ],
                }
            ),
        }
    )
    response = admin_client.post(f"/admin/accounts/group/{group.pk}/change/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Resource productionapp must be in ARN format or &quot;*&quot;. (statement 2 (Bad)" in html
    group.refresh_from_db()
    assert group.name == "Developers"  # nothing half-saved
    assert list(InlinePolicy.objects.filter(group=group)) == [policy]


def test_dangerous_patterns_warn_after_saving(admin_client: Client) -> None:
    dev = Account.objects.get(alias="example-dev")
    response = admin_client.post(
        "/admin/accounts/policy/add/",
        {
            "account": dev.pk,
            "name": "Admins",
            "description": "",
            "document": json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
            ),
        },
        follow=True,
    )
    assert "full administrator" in response.content.decode()
    assert Policy.objects.filter(name="Admins").exists()


def test_managed_policy_lists_where_it_is_attached(admin_client: Client) -> None:
    dev = Account.objects.get(alias="example-dev")
    policy = Policy.objects.create(
        account=dev,
        name="ReadS3",
        document=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}
        ),
    )
    Group.objects.get(name="Testers").managed_policies.add(policy)
    User.objects.get(username="alice").managed_policies.add(policy)
    html = admin_client.get(f"/admin/accounts/policy/{policy.pk}/change/").content.decode()
    assert "user alice, group Testers" in html


def test_role_page_shows_requires_mfa_and_drift_status(admin_client: Client) -> None:
    mfa_role = Role.objects.get(name="UpdateAPP-MFA")
    assert mfa_role.requires_mfa and not Role.objects.get(name="UpdateAPP").requires_mfa
    html = admin_client.get(f"/admin/accounts/role/{mfa_role.pk}/change/").content.decode()
    assert "In sync with the console." in html
    assert ">Sync to AWS</button>" in html and ">Revoke active sessions</button>" in html


def test_sync_creates_updates_and_reports_drift(admin_client: Client) -> None:
    prod = Account.objects.get(alias="example-prod")
    trust = json.loads(Role.objects.get(name="UpdateAPP").trust_policy)
    response = admin_client.post(
        "/admin/accounts/role/add/",
        {
            "account": prod.pk,
            "path": "/deploy/",
            "name": "Deployer",
            "description": "CI deployments",
            "trust_policy": json.dumps(trust),
            "permissions_policy": Role.objects.get(name="UpdateAPP").permissions_policy,
            "max_session_duration": "3600",
            "display_name": "Deployer",
            "color": "",
        },
    )
    assert response.status_code == 302
    role = Role.objects.get(name="Deployer")
    page = admin_client.get(f"/admin/accounts/role/{role.pk}/change/").content.decode()
    assert "arn:aws:iam::123456789012:role/deploy/Deployer does not exist in AWS." in page

    assert admin_client.get(f"/admin/accounts/role/{role.pk}/sync/").status_code == 405
    admin_client.post(f"/admin/accounts/role/{role.pk}/sync/")
    assert managed.drift(role).in_sync  # created in the emulator, as the console has it

    role.max_session_duration = 7200
    role.trust_policy = json.dumps({**trust, "Statement": [{**trust["Statement"][0], "Sid": "Changed"}]})
    role.save()
    page = admin_client.get(f"/admin/accounts/role/{role.pk}/change/").content.decode()
    assert "The trust policy in AWS differs from the console&#x27;s." in page
    assert "Maximum session duration is 3600 s in AWS, 7200 s in the console." in page
    follow = admin_client.post(f"/admin/accounts/role/{role.pk}/sync/", follow=True)
    assert "Synced arn:aws:iam::123456789012:role/deploy/Deployer to AWS." in follow.content.decode()
    assert managed.drift(role).in_sync
    assert AuditEvent.objects.filter(kind="admin_change", detail="synced role to AWS").exists()


def test_unmanaged_account_says_so(admin_client: Client) -> None:
    stage = Account.objects.create(account_id="444455556666", alias="example-stage")
    role = Role.objects.create(
        account=stage,
        name="R",
        trust_policy=Role.objects.get(name="UpdateAPP").trust_policy,
        permissions_policy=Role.objects.get(name="UpdateAPP").permissions_policy,
    )
    follow = admin_client.post(f"/admin/accounts/role/{role.pk}/sync/", follow=True).content.decode()
    assert "does not manage account example-stage" in follow


def test_who_can_switch_matches_the_engine(admin_client: Client) -> None:
    role = Role.objects.get(name="UpdateAPP")
    html = admin_client.get(f"/admin/accounts/role/{role.pk}/who-can-switch/").content.decode()
    rows = dict(re.findall(r"<tr>\s*<td>(\w+)</td>\s*<td class=\"decision-(allowed|refused)\"", html))
    for user in User.objects.filter(is_active=True):
        expected = "allowed" if switch_decision.decide_for(user, role).allowed else "refused"
        assert rows[user.username] == expected
    assert rows["alice"] == "allowed" and rows["bob"] == "refused"
    assert (
        "Developers/AllowSwitchToUpdateAPP (SwitchToUpdateAPP); UpdateAPP trust policy (TrustDevelopmentAccount)"
        in html
    )
    assert "bob's groups' policies do not allow sts:AssumeRole on " + UPDATEAPP in page_text(html)


def test_access_matrix(admin_client: Client) -> None:
    html = admin_client.get("/admin/accounts/role/access-matrix/").content.decode()
    roles = [r.name for r in Role.objects.all()]
    row = re.search(r'<th scope="row">alice</th>(.*?)</tr>', html, re.S).group(1)
    cells = dict(zip(roles, re.findall(r'<td class="(\w+)"', row), strict=True))
    assert cells["UpdateAPP"] == "allowed" and cells["UpdateAPP-MFA"] == "mfa" and cells["ViewAPP"] == "allowed"
    bob = re.search(r'<th scope="row">bob</th>(.*?)</tr>', html, re.S).group(1)
    bob_cells = dict(zip(roles, re.findall(r'<td class="(\w+)"', bob), strict=True))
    assert bob_cells.pop("ViewAPP") == "allowed"  # Testers may use the read-only role only
    assert set(bob_cells.values()) == {"refused"}


def test_policy_simulator_page(admin_client: Client) -> None:
    alice = User.objects.get(username="alice")
    response = admin_client.post(
        "/admin/accounts/role/simulator/",
        {
            "user": alice.pk,
            "actions": "sts:AssumeRole",
            "resources": f"{UPDATEAPP}\n{UPDATEAPP}-MFA",
            "policies": "",
            "resource_policy": "",
            "caller_arn": "",
            "context": "",
        },
    )
    html = response.content.decode()
    decisions = re.findall(r'class="decision-\w+">(\w+)</td>', html)
    assert decisions == ["allowed", "implicitDeny"]
    pasted = admin_client.post(
        "/admin/accounts/role/simulator/",
        {
            "user": "",
            "actions": "s3:GetObject s3:PutObject",
            "resources": "arn:aws:s3:::b/k",
            "resource_policy": "",
            "caller_arn": "",
            "context": "",
            "policies": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
                }
            ),
        },
    )
    html = pasted.content.decode()
    assert re.findall(r'class="decision-\w+">(\w+)</td>', html) == ["allowed", "implicitDeny"]
    assert "PolicyInputList.1 (Read, Allow)" in html
    bad = admin_client.post(
        "/admin/accounts/role/simulator/",
        {
            "user": "",
            "actions": "s3:GetObject",
            "policies": "{nope",
            "resources": "",
            "resource_policy": "",
            "caller_arn": "",
            "context": "",
        },
    )
    assert "MalformedPolicyDocument in PolicyInputList.1: Syntax errors in policy" in bad.content.decode()


def test_policy_simulator_bucket_policy_field(admin_client: Client) -> None:
    """The bucket policy applies to S3 resources, a pasted trust policy to the role."""
    caller = "arn:aws:iam::111122223333:user/carol"
    bucket_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CarolReads",
                "Effect": "Allow",
                "Principal": {"AWS": caller},
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::reports/*",
            }
        ],
    }
    form = {
        "user": "",
        "policies": json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}
        ),
        "bucket_policy": json.dumps(bucket_policy),
        "resource_policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"AWS": caller}, "Action": "sts:AssumeRole"}],
            }
        ),
        "caller_arn": caller,
        "actions": "s3:GetObject sts:AssumeRole",
        "resources": f"arn:aws:s3:::reports/q1.csv\n{UPDATEAPP}",
        "context": "",
        "resource_owner": "",
    }
    html = admin_client.post("/admin/accounts/role/simulator/", form).content.decode()
    rows = [tuple(row[:3]) for row in table_rows(html, "simulation-results")]
    assert rows == [
        ("s3:GetObject", "arn:aws:s3:::reports/q1.csv", "allowed"),
        ("s3:GetObject", UPDATEAPP, "implicitDeny"),
        ("sts:AssumeRole", "arn:aws:s3:::reports/q1.csv", "implicitDeny"),
        # UpdateAPP is in another account: its trust naming carol is not enough without an identity allow.
        ("sts:AssumeRole", UPDATEAPP, "implicitDeny"),
    ]
    assert "BucketPolicy (CarolReads, Allow)" in html
    # A bucket in another account needs both sides.
    other = admin_client.post("/admin/accounts/role/simulator/", {**form, "resource_owner": "222222222222"})
    assert re.findall(r'class="decision-\w+">(\w+)</td>', other.content.decode())[0] == "implicitDeny"
    invalid = {
        **form,
        "bucket_policy": json.dumps(
            {
                **bucket_policy,
                "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::reports/*"}],
            }
        ),
    }
    html = admin_client.post("/admin/accounts/role/simulator/", invalid).content.decode()
    assert "MalformedPolicyDocument in BucketPolicy: Missing required field Principal" in html


def test_adding_bob_to_developers_takes_effect_on_his_next_request(demo_world, admin_client: Client) -> None:
    bob = Client()
    sign_in(bob, "bob")
    assert bob.post("/switchrole", SWITCH_TO_UPDATEAPP).status_code == 403
    developers = Group.objects.get(name="Developers")
    data = _group_form(developers)
    data["members"] = [str(u.pk) for u in developers.members.all()] + [str(User.objects.get(username="bob").pk)]
    assert admin_client.post(f"/admin/accounts/group/{developers.pk}/change/", data).status_code == 302
    assert bob.post("/switchrole", SWITCH_TO_UPDATEAPP).status_code == 302
    # Removing alice refuses her next switch.
    alice = Client()
    sign_in(alice, "alice")
    data["members"] = [str(User.objects.get(username="bob").pk)]
    admin_client.post(f"/admin/accounts/group/{developers.pk}/change/", data)
    assert alice.post("/switchrole", SWITCH_TO_UPDATEAPP).status_code == 403
    event = AuditEvent.objects.filter(kind="admin_change", username="admin").first()
    assert event.detail == "changed group Developers: changed Members"


def test_revoke_active_sessions_in_console_and_aws(admin_client: Client) -> None:
    # Its own role: moto ignores the revoke policy's aws:TokenIssueTime condition, so the Deny
    # blocks every session of the role in the (session-wide) emulator afterwards.
    template = Role.objects.get(name="UpdateAPP")
    role = Role.objects.create(
        account=template.account,
        name="RevokeMe",
        trust_policy=template.trust_policy,
        permissions_policy=template.permissions_policy,
    )
    managed.sync(role)
    User.objects.get(username="alice").inline_policies.create(
        name="RevokeMe",
        document=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role.arn}],
            }
        ),
    )
    alice = Client()
    sign_in(alice, "alice")
    prefix = switch(alice, {**SWITCH_TO_UPDATEAPP, "roleName": "RevokeMe"})
    assert alice.get(prefix + "/s3/buckets/productionapp/").status_code == 200

    assert admin_client.get(f"/admin/accounts/role/{role.pk}/revoke/").status_code == 405
    follow = admin_client.post(f"/admin/accounts/role/{role.pk}/revoke/", follow=True).content.decode()
    assert "Ended 1 console session(s) in RevokeMe." in follow and "are denied in AWS" in follow
    session = RoleSession.objects.get()
    assert session.ended_at and session.sealed_credentials == ""
    page = alice.get(prefix + "/s3/", follow=True).content.decode()
    assert "Your session in Prod was ended (revoked by an administrator)" in page
    assert "alice @ example-dev" in page
    state = managed.admin_for(role.account).role_state("RevokeMe")
    assert aws.REVOKE_POLICY_NAME in state.inline_policy_names


def test_audit_log_is_read_only_and_filterable(admin_client: Client) -> None:
    sign_in(Client(), "bob", password="wrong")
    listing = admin_client.get("/admin/console/auditevent/?kind=signin_failed").content.decode()
    assert re.findall(r'<td class="field-kind">([^<]+)</td>', listing) == ["Sign-in failed"]
    assert admin_client.get("/admin/console/auditevent/add/").status_code == 403
    by_user = admin_client.get("/admin/console/auditevent/?username=admin").content.decode()
    kinds = re.findall(r'<td class="field-kind">([^<]+)</td>', by_user)
    assert kinds and "Sign-in failed" not in kinds


def _group_form(group: Group, **overrides) -> dict:
    policies = list(InlinePolicy.objects.filter(group=group))
    data = {
        "account": group.account_id,
        "name": group.name,
        "path": group.path,
        "members": [str(u.pk) for u in group.members.all()],
        "managed_policies": [str(p.pk) for p in group.managed_policies.all()],
        "inline_policies-TOTAL_FORMS": str(len(policies)),
        "inline_policies-INITIAL_FORMS": str(len(policies)),
        "inline_policies-MIN_NUM_FORMS": "0",
        "inline_policies-MAX_NUM_FORMS": "1000",
    }
    for i, p in enumerate(policies):
        data.update(
            {
                f"inline_policies-{i}-id": str(p.pk),
                f"inline_policies-{i}-group": str(group.pk),
                f"inline_policies-{i}-name": p.name,
                f"inline_policies-{i}-document": p.document,
            }
        )
    data.update(overrides)
    return data


def test_group_inline_policy_warnings_show_after_saving(admin_client: Client) -> None:
    group = Group.objects.get(name="Testers")
    data = _group_form(group)
    data.update({"inline_policies-TOTAL_FORMS": str(int(data["inline_policies-TOTAL_FORMS"]) + 1)})
    n = int(data["inline_policies-TOTAL_FORMS"]) - 1
    data.update(
        {
            f"inline_policies-{n}-name": "Everything",
            f"inline_policies-{n}-document": json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
            ),
        }
    )
    response = admin_client.post(f"/admin/accounts/group/{group.pk}/change/", data, follow=True)
    assert "Inline policy Everything: Allow with NotAction grants every action" in response.content.decode()


def test_access_matrix_reads_each_users_policies_once(admin_client: Client) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    template = Role.objects.get(name="UpdateAPP")

    def queries_with_extra_roles(count: int) -> int:
        for i in range(count):
            Role.objects.get_or_create(
                account=template.account,
                name=f"Extra{i}",
                defaults={"trust_policy": template.trust_policy, "permissions_policy": template.permissions_policy},
            )
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/accounts/role/access-matrix/").status_code == 200
        return len(captured)

    assert queries_with_extra_roles(2) == queries_with_extra_roles(12)

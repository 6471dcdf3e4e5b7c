"""console/emulator/seeding.py: the emulator's account header, added by a client cached per
account (so the hook is registered once), on clients from console/aws/clients.py's factory."""

from __future__ import annotations

import pytest

from console.emulator import seeding


class _Sent(Exception):
    pass


def _headers_sent(client) -> dict:
    seen = {}

    def capture(request, **_) -> None:
        seen.update(request.headers)
        raise _Sent  # nothing leaves the process

    client.meta.events.register("before-send.s3.ListBuckets", capture, unique_id="test-capture")
    with pytest.raises(_Sent):
        client.list_buckets()
    client.meta.events.unregister("before-send.s3.ListBuckets", unique_id="test-capture")
    return seen


def test_requests_act_in_the_chosen_account_and_clients_are_cached() -> None:
    endpoint = "http://127.0.0.1:9"  # never reached
    dev = seeding.client("s3", "111122223333", endpoint)
    assert seeding.client("s3", "111122223333", endpoint) is dev
    prod = seeding.client("s3", "123456789012", endpoint)
    assert prod is not dev
    assert _headers_sent(dev)[seeding.ACCOUNT_HEADER] == "111122223333"
    assert _headers_sent(prod)[seeding.ACCOUNT_HEADER] == "123456789012"
    assert _headers_sent(dev)[seeding.ACCOUNT_HEADER] == "111122223333"  # one hook, however often used
    assert f"Credential={seeding.SEEDING_KEY}/" in _headers_sent(dev)["Authorization"].decode()


def test_the_broker_credentials_file_is_owner_only_and_replaced_whole(tmp_path) -> None:
    import json

    path = tmp_path / "broker.json"
    seeding.write_broker_credentials(path, "AKIA1", "s1")
    seeding.write_broker_credentials(path, "AKIA2", "s2")
    assert json.loads(path.read_text()) == {"aws_access_key_id": "AKIA2", "aws_secret_access_key": "s2"}
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["broker.json"]

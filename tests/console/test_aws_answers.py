"""How AWS answers become the console's: conditional-write conflicts, delete markers, refusals
the caller expected. Unit tests with stand-in clients (moto does not answer these as S3 does:
a DeleteObject in a suspended bucket drops every version there, and it never sends 409)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import botocore.exceptions
import pytest

from console import aws
from console.aws import errors
from console.aws import s3 as aws_s3
from console.views.s3_delete import _marker_note

CREDS = aws.TemporaryCredentials("AKIA", "secret", "token", datetime.now(UTC))


def _client_error(code: str, status: int) -> botocore.exceptions.ClientError:
    response = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return botocore.exceptions.ClientError(response, "PutObject")


@pytest.mark.parametrize(("code", "status"), [("PreconditionFailed", 412), ("ConditionalRequestConflict", 409)])
def test_a_conditional_write_that_lost_is_precondition_failed(code: str, status: int) -> None:
    error = errors._domain_error(_client_error(code, status), "s3:PutObject", "arn:aws:s3:::b/k/")
    assert isinstance(error, aws.PreconditionFailed) and error.code == code


def test_a_refusal_the_caller_expected_is_logged_at_info(caplog) -> None:
    caplog.set_level(logging.INFO, logger="console.aws")
    errors._translate(_client_error("AccessDenied", 403), "s3:GetBucketVersioning", "arn:aws:s3:::b", expected=True)
    errors._translate(_client_error("AccessDenied", 403), "s3:GetObject", "arn:aws:s3:::b/k")
    assert [r.levelname for r in caplog.records] == ["INFO", "WARNING"]


class DeletingClient:
    def __init__(self, answer: dict) -> None:
        self.answer = answer

    def delete_object(self, **kwargs) -> dict:
        return self.answer


@pytest.mark.parametrize(
    ("answer", "version_id", "marker"),
    [
        ({}, None, None),  # no versioning: the object is gone
        (
            {"DeleteMarker": True, "VersionId": "3HL4kqtJlcpXroDT"},
            None,
            "3HL4kqtJlcpXroDT",
        ),
        ({"DeleteMarker": True, "VersionId": "null"}, None, "null"),  # versioning suspended
        ({"DeleteMarker": True}, None, "null"),
        ({"DeleteMarker": True, "VersionId": "v1"}, "v1", None),  # a delete marker deleted for good
    ],
)
def test_delete_object_says_when_s3_added_a_delete_marker(monkeypatch, answer, version_id, marker) -> None:
    monkeypatch.setattr(aws_s3, "_with", lambda creds: DeletingClient(answer))
    assert aws.delete_object(CREDS, "productionapp", "doc.txt", version_id) == marker


def test_the_message_after_a_delete_says_what_the_marker_left() -> None:
    assert _marker_note(None) == ""
    assert "its versions stay" in _marker_note("3HL4kqtJlcpXroDTDmJ")
    assert "in place of its null version; earlier versions stay" in _marker_note("null")

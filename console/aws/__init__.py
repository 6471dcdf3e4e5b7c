"""Everything that talks to AWS (or the embedded emulator), one job per module:

* `errors`    - the domain exceptions, and `_translate`: the one place AWS failures are logged
* `clients`   - boto3 clients built from settings and cached, the broker's keys, `transport_is_secure`
* `sts`       - `TemporaryCredentials`, `assume_role`, `caller_identity`
* `s3`        - listings, details, versions, folders, deletes, the bucket policy
* `transfers` - downloads (`open_object`) and uploads (`StreamingUpload`)
* `iam`       - an account's administration (`RoleState`, `AccountAdmin`)

The rule: boto3 and botocore are imported only inside console/aws/ (tests/console/test_layout.py
checks it). boto3 itself only in `clients.py`; botocore in `clients.py` (its Config), `errors.py`
(its exceptions, translated there) and `transfers.py` (a download's 304 and 416 answers).

Callers use this package, `from console import aws; aws.X`, with the names below; they get plain
dataclasses back and domain exceptions on failure, never botocore types. Clients are built lazily
from settings and cached; a settings change (tests) builds new ones. Credentials are never logged
or put in an exception message.
"""

from console.aws.clients import Service, new_client, transport_is_secure
from console.aws.errors import (
    AccessDenied,
    AwsError,
    CredentialsExpired,
    CredentialsRejected,
    NotFound,
    PreconditionFailed,
    Unavailable,
)
from console.aws.iam import PERMISSIONS_POLICY_NAME, REVOKE_POLICY_NAME, AccountAdmin, RoleState
from console.aws.s3 import (
    DELETE_BATCH,
    DeleteFailure,
    DeleteResult,
    ObjectDetails,
    ObjectPage,
    S3Object,
    bucket_arn,
    bucket_versioning,
    create_folder,
    delete_object,
    delete_objects,
    get_bucket_policy,
    iter_keys,
    list_buckets,
    list_object_versions,
    list_objects,
    object_details,
)
from console.aws.sts import TemporaryCredentials, assume_role, caller_identity
from console.aws.transfers import (
    MAX_PARTS,
    PART_SIZE,
    ObjectStream,
    RangeNotSatisfiable,
    StreamingUpload,
    open_object,
)

__all__ = [
    "DELETE_BATCH",
    "MAX_PARTS",
    "PART_SIZE",
    "PERMISSIONS_POLICY_NAME",
    "REVOKE_POLICY_NAME",
    "AccessDenied",
    "AccountAdmin",
    "AwsError",
    "CredentialsExpired",
    "CredentialsRejected",
    "DeleteFailure",
    "DeleteResult",
    "NotFound",
    "ObjectDetails",
    "ObjectPage",
    "ObjectStream",
    "PreconditionFailed",
    "RangeNotSatisfiable",
    "RoleState",
    "S3Object",
    "Service",
    "StreamingUpload",
    "TemporaryCredentials",
    "Unavailable",
    "assume_role",
    "bucket_arn",
    "bucket_versioning",
    "caller_identity",
    "create_folder",
    "delete_object",
    "delete_objects",
    "get_bucket_policy",
    "iter_keys",
    "list_buckets",
    "list_object_versions",
    "list_objects",
    "new_client",
    "object_details",
    "open_object",
    "transport_is_secure",
]

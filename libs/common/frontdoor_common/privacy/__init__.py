"""The personal-data lifecycle (issue 17): sealed event fields (crypto-shredding), access export,
erasure and retention, declared by each service as a `PrivacySpec` and run by the common code."""

from frontdoor_common.privacy.seal import (
    Sealer,
    Unsealer,
    UnsealUnavailable,
    is_sealed,
    member_subject,
    phone_subject,
)
from frontdoor_common.privacy.spec import ERASE_SCOPE, EXPORT_SCOPE, ErasurePart, PrivacySpec, RetentionResult

__all__ = [
    "ERASE_SCOPE",
    "EXPORT_SCOPE",
    "ErasurePart",
    "PrivacySpec",
    "RetentionResult",
    "Sealer",
    "UnsealUnavailable",
    "Unsealer",
    "is_sealed",
    "member_subject",
    "phone_subject",
]

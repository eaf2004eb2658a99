"""Amazon SNS messages, verified: SES reports bounces and complaints through an SNS topic,
and anyone can POST to the endpoint, so only a message signed by SNS is believed.

The signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) is checked against the
certificate at `SigningCertURL`, which must be an https://sns.<region>.amazonaws.com/ URL
(any other host could serve its own key). The certificate fetch is a parameter, so tests
sign with their own key and hand over their own certificate.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

CertFetcher = Callable[[str], bytes]

# sns.<region>.amazonaws.com (and the China partition's .com.cn); nothing else signs.
_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_SIGNED_KEYS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
    "UnsubscribeConfirmation": (
        "Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type",
    ),
}  # fmt: skip


class SnsInvalid(ValueError):
    """Not a message SNS signed (or not one we can read)."""


def sns_url_check(url: str) -> str:
    """`url` if it is an https URL on an SNS host (no port, no credentials), else raise."""
    parts = urlsplit(url)
    if (
        parts.scheme != "https"
        or parts.username is not None
        or parts.password is not None
        or parts.port is not None
        or not _SNS_HOST.match(parts.hostname or "")
    ):
        raise SnsInvalid(f"not an SNS URL: {url!r}")
    return url


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    keys = _SIGNED_KEYS.get(str(message.get("Type")))
    if keys is None:
        raise SnsInvalid(f"unknown SNS message type {message.get('Type')!r}")
    lines = []
    for key in keys:
        if key == "Subject" and key not in message:
            continue  # the one optional field: left out when absent
        value = message.get(key)
        if not isinstance(value, str):
            raise SnsInvalid(f"SNS message without {key}")
        lines.append(f"{key}\n{value}\n")
    return "".join(lines).encode("utf-8")


def sns_verify(message: Mapping[str, Any], *, fetch_cert: CertFetcher) -> None:
    """Raise SnsInvalid unless `message` carries a valid SNS signature."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    version = message.get("SignatureVersion")
    algorithm: hashes.HashAlgorithm
    if version == "1":
        # SNS's SignatureVersion 1 is SHA1withRSA: we verify what AWS signs, we sign nothing.
        algorithm = hashes.SHA1()  # noqa: S303  # nosec B303
    elif version == "2":
        algorithm = hashes.SHA256()
    else:
        raise SnsInvalid(f"unknown SignatureVersion {version!r}")
    url = sns_url_check(str(message.get("SigningCertURL", "")))
    try:
        signature = base64.b64decode(str(message.get("Signature", "")), validate=True)
    except (binascii.Error, ValueError):
        raise SnsInvalid("the signature is not base64") from None
    data = string_to_sign(message)
    try:
        key = x509.load_pem_x509_certificate(fetch_cert(url)).public_key()
    except ValueError:
        raise SnsInvalid("the signing certificate does not load") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise SnsInvalid("the signing certificate's key is not RSA")
    try:
        key.verify(signature, data, padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise SnsInvalid("the signature does not verify") from None


def https_get(url: str, *, timeout: float = 5.0, limit: int = 64 * 1024) -> bytes:
    """GET an SNS URL (checked first): the signing certificate, a subscription's confirm."""
    import urllib.request

    request = urllib.request.Request(sns_url_check(url))  # noqa: S310 - https only, checked
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
        return bytes(response.read(limit))

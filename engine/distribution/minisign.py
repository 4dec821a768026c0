"""The minisign file formats (public key, secret key, signature) over Ed25519 from `cryptography`.

Byte for byte what minisign 0.11 writes and reads, so the stock `minisign` CLI verifies our signatures and
we verify its own (`-S`, made with a `-G -W` key):

    public key  base64("Ed" | key id[8] | Ed25519 public key[32])
    secret key  base64("Ed" | kdf "\\0\\0" | "B2" | salt[32] | opslimit[8] | memlimit[8]
                       | key id[8] | seed[32] + public key[32] | BLAKE2b-256("Ed" | key id | secret key))
    signature   untrusted comment: ...
                base64("ED" | key id[8] | Ed25519(BLAKE2b-512(message)))     ("Ed": legacy, the message itself)
                trusted comment: ...
                base64(Ed25519(signature[64] | trusted comment))             (the comment's own signature)

Only unencrypted secret keys (`minisign -G -W`): ours live in the engine's secret store, which does the
protecting. The key id is shown as minisign shows it: the 8 bytes read as a little-endian number, in hex.
A pure format module: every malformed input is an `engine.errors.MinisignFormatError` saying
what is wrong, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.errors import MinisignFormatError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PREHASHED = b"ED"
LEGACY = b"Ed"
_KDF_NONE = b"\0\0"
_CHECKSUM = b"B2"
_UNTRUSTED = "untrusted comment: "
_TRUSTED = "trusted comment: "


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MinisignFormatError(f"{what} is not base64") from None


def key_id_text(key_id: bytes) -> str:
    """How minisign shows a key id (`minisign public key 7A0A0C5E3F9B2A10`): the little-endian number in hex,
    upper case, without leading zeros (printf's %llX), so an id copied from a minisign .pub file matches."""
    return f"{int.from_bytes(key_id, 'little'):X}"


def same_id(a: str, b: str) -> bool:
    """Whether two key ids as people type them are one (case and leading zeros aside)."""
    try:
        return int(a.strip(), 16) == int(b.strip(), 16)
    except ValueError:
        return False


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes  # 8 bytes
    raw: bytes  # 32 bytes

    @property
    def id(self) -> str:
        return key_id_text(self.key_id)

    def to_base64(self) -> str:
        return base64.b64encode(LEGACY + self.key_id + self.raw).decode()

    def to_file(self) -> str:
        """The text of a minisign .pub file."""
        return f"{_UNTRUSTED}minisign public key {self.id}\n{self.to_base64()}\n"

    @classmethod
    def parse(cls, text: str) -> PublicKey:
        """A public key from the base64 line alone or a whole .pub file (its untrusted comment skipped)."""
        lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
        lines = [line for line in lines if not line.startswith(_UNTRUSTED)]
        if len(lines) != 1:
            raise MinisignFormatError("expected one base64 line (a minisign public key)")
        raw = _b64(lines[0], "the public key")
        if len(raw) != 42 or raw[:2] != LEGACY:
            raise MinisignFormatError("not a minisign Ed25519 public key (42 bytes starting with 'Ed')")
        key = cls(raw[2:10], raw[10:])
        key._ed25519()  # a valid point, or MinisignFormatError now rather than at the first check
        return key

    def _ed25519(self) -> Ed25519PublicKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            return Ed25519PublicKey.from_public_bytes(self.raw)
        except ValueError:
            raise MinisignFormatError("not a valid Ed25519 public key") from None

    def verify(self, message: bytes, signature: Signature) -> str | None:
        """None when `signature` is this key's over `message`, else what does not verify: "comment" (the
        trusted comment, or the signature line it is bound to, was altered) or "message" (other bytes)."""
        from cryptography.exceptions import InvalidSignature

        key = self._ed25519()
        try:
            key.verify(signature.comment_signature, signature.signature + signature.trusted_comment.encode())
        except InvalidSignature:
            return "comment"
        signed = hashlib.blake2b(message).digest() if signature.algorithm == PREHASHED else message
        try:
            key.verify(signature.signature, signed)
        except InvalidSignature:
            return "message"
        return None


@dataclass(frozen=True)
class SecretKey:
    key_id: bytes  # 8 bytes
    seed: bytes  # 32 bytes: the Ed25519 private key

    @classmethod
    def generate(cls) -> SecretKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

        key = Ed25519PrivateKey.generate()
        return cls(os.urandom(8), key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))

    def _ed25519(self) -> Ed25519PrivateKey:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public(self) -> PublicKey:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return PublicKey(self.key_id, self._ed25519().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    def _checksum(self) -> bytes:
        return hashlib.blake2b(LEGACY + self.key_id + self.seed + self.public.raw, digest_size=32).digest()

    def to_file(self) -> str:
        """The text of an unencrypted (`minisign -G -W`) secret key file."""
        blob = LEGACY + _KDF_NONE + _CHECKSUM + bytes(48) + self.key_id + self.seed + self.public.raw
        return f"{_UNTRUSTED}minisign secret key\n{base64.b64encode(blob + self._checksum()).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> SecretKey:
        lines = [line for line in text.strip().splitlines() if line.strip() and not line.startswith(_UNTRUSTED)]
        if len(lines) != 1:
            raise MinisignFormatError("expected one base64 line (a minisign secret key)")
        raw = _b64(lines[0], "the secret key")
        if len(raw) != 158 or raw[:2] != LEGACY or raw[4:6] != _CHECKSUM:
            raise MinisignFormatError("not a minisign Ed25519 secret key")
        if raw[2:4] != _KDF_NONE:
            raise MinisignFormatError("the secret key is password-protected; only unencrypted (-W) keys are read")
        key = cls(raw[54:62], raw[62:94])
        if raw[94:126] != key.public.raw or raw[126:] != key._checksum():
            raise MinisignFormatError("the secret key's checksum does not match (damaged)")
        return key

    def sign(self, message: bytes, trusted_comment: str, untrusted_comment: str = "signature") -> str:
        """The text of a .minisig file for `message` (prehashed, as minisign signs by default)."""
        if "\n" in trusted_comment or "\r" in trusted_comment or "\n" in untrusted_comment:
            raise MinisignFormatError("a comment must be one line")
        key = self._ed25519()
        signature = key.sign(hashlib.blake2b(message).digest())
        comment_signature = key.sign(signature + trusted_comment.encode())
        return (
            f"{_UNTRUSTED}{untrusted_comment}\n"
            f"{base64.b64encode(PREHASHED + self.key_id + signature).decode()}\n"
            f"{_TRUSTED}{trusted_comment}\n"
            f"{base64.b64encode(comment_signature).decode()}\n"
        )


@dataclass(frozen=True)
class Signature:
    algorithm: bytes  # PREHASHED or LEGACY
    key_id: bytes
    signature: bytes  # 64 bytes
    trusted_comment: str
    comment_signature: bytes  # 64 bytes

    @property
    def key(self) -> str:
        return key_id_text(self.key_id)

    @classmethod
    def parse(cls, text: str) -> Signature:
        lines = [line.rstrip("\r") for line in text.rstrip("\r\n").split("\n")]
        if len(lines) != 4 or not lines[0].startswith(_UNTRUSTED) or not lines[2].startswith(_TRUSTED):
            raise MinisignFormatError(
                "expected 4 lines: untrusted comment, signature, trusted comment, comment signature"
            )
        raw = _b64(lines[1], "the signature line")
        if len(raw) != 74 or raw[:2] not in (PREHASHED, LEGACY):
            raise MinisignFormatError("the signature line is not an Ed25519 minisign signature")
        comment_signature = _b64(lines[3], "the comment signature")
        if len(comment_signature) != 64:
            raise MinisignFormatError("the comment signature is not 64 bytes")
        return cls(raw[:2], raw[2:10], raw[10:], lines[2][len(_TRUSTED) :], comment_signature)

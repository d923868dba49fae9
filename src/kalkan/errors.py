"""The errors Kalkan raises, each carrying what the user should be told."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Fault:
    """One problem with one field of an input."""

    field: str
    fault: str

    def __str__(self) -> str:
        return f"{self.field}: {self.fault}" if self.field else self.fault


class KalkanError(Exception):
    """Base class: a message a user can act on, a stable code, and an HTTP status."""

    status: int = 400
    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class ValidationFailed(KalkanError):
    """Input that cannot be accepted; names every field at fault."""

    status = 422
    code = "validation_failed"

    def __init__(self, faults: list[Fault] | Fault) -> None:
        self.faults = [faults] if isinstance(faults, Fault) else list(faults)
        super().__init__("; ".join(str(f) for f in self.faults) or "invalid input")

    @classmethod
    def one(cls, field_name: str, fault: str) -> ValidationFailed:
        return cls(Fault(field_name, fault))

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "faults": [{"field": f.field, "fault": f.fault} for f in self.faults],
        }


class NotAuthenticated(KalkanError):
    status = 401
    code = "not_authenticated"


class Forbidden(KalkanError):
    status = 403
    code = "forbidden"


class NotFound(KalkanError):
    """Also raised for records the caller may not see, so that existence does not leak."""

    status = 404
    code = "not_found"


class Conflict(KalkanError):
    status = 409
    code = "conflict"


class PreconditionRequired(KalkanError):
    """A write that must name the version it replaces (``If-Match``) and did not."""

    status = 428
    code = "precondition_required"


class ServiceUnavailable(KalkanError):
    """A part the answer depends on (the database, the audit log) cannot be reached now."""

    status = 503
    code = "service_unavailable"


class ConfigurationError(KalkanError):
    status = 500
    code = "configuration_error"

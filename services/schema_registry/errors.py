"""The registry's errors, with the Confluent error codes that clients expect."""

from __future__ import annotations


class RegistryError(Exception):
    def __init__(self, status: int, error_code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message


def subject_not_found(subject: str) -> RegistryError:
    return RegistryError(404, 40401, f"Subject '{subject}' not found.")


def version_not_found(subject: str, version: object) -> RegistryError:
    return RegistryError(404, 40402, f"Version {version} not found for subject '{subject}'.")


def schema_not_found(detail: str = "Schema not found") -> RegistryError:
    return RegistryError(404, 40403, detail)


def subject_soft_deleted(subject: str) -> RegistryError:
    return RegistryError(
        404,
        40404,
        f"Subject '{subject}' was soft deleted. Set permanent=true to delete permanently",
    )


def subject_not_soft_deleted(subject: str) -> RegistryError:
    return RegistryError(
        404,
        40405,
        f"Subject '{subject}' was not deleted first before being permanently deleted",
    )


def version_soft_deleted(subject: str, version: int) -> RegistryError:
    return RegistryError(
        404,
        40406,
        f"Subject '{subject}' Version {version} was soft deleted. "
        "Set permanent=true to delete permanently",
    )


def version_not_soft_deleted(subject: str, version: int) -> RegistryError:
    return RegistryError(
        404,
        40407,
        f"Subject '{subject}' Version {version} was not deleted first before being "
        "permanently deleted",
    )


def subject_config_not_found(subject: str) -> RegistryError:
    return RegistryError(
        404,
        40408,
        f"Subject '{subject}' does not have subject-level compatibility configured",
    )


def incompatible(messages: list[str]) -> RegistryError:
    detail = "; ".join(messages) or "the schema is incompatible"
    return RegistryError(
        409, 409, f"Schema being registered is incompatible with an earlier schema: {detail}"
    )


def invalid_schema(detail: str) -> RegistryError:
    return RegistryError(422, 42201, f"Invalid schema: {detail}")


def invalid_version(version: str) -> RegistryError:
    return RegistryError(
        422,
        42202,
        f"The specified version '{version}' is not a valid version id. "
        'Allowed values are between [1, 2^31-1] and the string "latest"',
    )


def invalid_compatibility_level(level: object) -> RegistryError:
    return RegistryError(
        422,
        42203,
        f"Invalid compatibility level {level!r}. Valid values are NONE, BACKWARD, "
        "BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE",
    )


def invalid_mode(mode: object) -> RegistryError:
    return RegistryError(
        422,
        42204,
        f"Invalid mode {mode!r}. Valid values are READWRITE and READONLY (IMPORT is not supported)",
    )


def read_only(subject: str | None) -> RegistryError:
    where = f"Subject '{subject}'" if subject else "The registry"
    return RegistryError(
        422, 42205, f"{where} is in read-only mode; set the mode to READWRITE to change it"
    )


def invalid_subject(subject: str) -> RegistryError:
    return RegistryError(422, 42208, f"Invalid subject {subject!r}: use 1-255 printable characters")


def bad_request(detail: str) -> RegistryError:
    return RegistryError(400, 400, detail)


def store_error(detail: str) -> RegistryError:
    return RegistryError(500, 50001, f"Error in the backend data store: {detail}")

"""API errors: DRF's shape plus a stable ``code`` clients can branch on."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(exceptions.APIException):
    """A rule of the product was broken; ``code`` says which one."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "The request breaks a rule of the platform."
    default_code = "invalid"

    def __init__(self, detail: str | None = None, code: str | None = None, status_code: int | None = None):
        super().__init__(detail=detail, code=code)
        if status_code is not None:
            self.status_code = status_code


class InvalidTransition(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This change of state is not allowed."
    default_code = "invalid_transition"


def exception_handler(exc, context):
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError; clients get DRF's 400 shape.
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(response.data, dict) and "detail" in response.data:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        if isinstance(codes, str):
            response.data["code"] = codes
        elif isinstance(codes, dict) and isinstance(codes.get("detail"), str):
            response.data["code"] = codes["detail"]
    return response

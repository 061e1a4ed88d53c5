"""Decoding of the multipart report upload (``POST /plans/{id}/report`` with a PDF, R-RPT-3/4, R-SPEC)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from engine.errors import InvalidInput, PayloadTooLarge
from workflows.reports.schemas import ReportCreate
from workflows.reports.upload import MAX_REPORT_PDF_BYTES
from workflows.schema import Schema


class ReportUploadForm(Schema):
    """The form fields beside ``file``."""

    report_code: str = ""
    conclusion: str | None = None
    report_date: date
    service_date: date


REPORT_BODY: dict[str, Any] = {
    "requestBody": {
        "content": {
            "application/json": {"schema": ReportCreate.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "report_code", "report_date", "service_date"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "the signed report, PDF ≤ 10 MB",
                        },
                        "report_code": {"type": "string", "example": "ZXJ2019 No.1234"},
                        "conclusion": {
                            "type": "string",
                            "enum": ["合格", "不合格"],
                            "description": "inspections only",
                        },
                        "report_date": {"type": "string", "format": "date"},
                        "service_date": {"type": "string", "format": "date"},
                    },
                }
            },
        },
        "required": True,
    }
}
"""OpenAPI request body of the report endpoint: JSON (generate) or multipart (upload)."""


def is_form(request: Request) -> bool:
    """Whether the body is a form (multipart or URL-encoded) rather than JSON."""
    content_type = request.headers.get("content-type", "")
    return content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded"))


async def read_upload_form(request: Request) -> dict[str, Any]:
    """The keyword arguments of :func:`workflows.reports.upload.upload_report` from a multipart body.

    Raises:
        PayloadTooLarge: the file is over 10 MB (413).
        InvalidInput: no ``file`` part (422). RequestValidationError: bad dates (422).
    """
    async with request.form() as form:
        try:
            fields = ReportUploadForm.model_validate({k: v for k, v in form.items() if isinstance(v, str)})
        except ValidationError as exc:
            raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidInput("file", "请选择要上传的报告 PDF 文件 / attach the report PDF as `file`")
        content = await upload.read(MAX_REPORT_PDF_BYTES + 1)
    if len(content) > MAX_REPORT_PDF_BYTES:
        raise PayloadTooLarge(
            f"报告 PDF 不能超过 {MAX_REPORT_PDF_BYTES // (1024 * 1024)} MB，请压缩后重新上传"
            " / the PDF exceeds 10 MB: compress it and upload again"
        )
    return {"pdf": content, **fields.model_dump()}

"""The PDF documents' entry points; they live in billing/documents/."""

from billing.documents.invoice_pdf import invoice_pdf
from billing.documents.statement_pdf import statement_pdf, statement_summary

__all__ = ["invoice_pdf", "statement_pdf", "statement_summary"]

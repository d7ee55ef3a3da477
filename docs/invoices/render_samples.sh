#!/usr/bin/env bash
# Regenerates the sample invoices in this folder: a German driver in EUR and a UK business
# driver with a non-Latin name in GBP (billing/tests/invoice_samples.py), each as the PDF
# drivers receive, its embedded Factur-X XML, a PNG of page 1 and the PDF's text.
# Needs the test database (DATABASE_URL) and poppler-utils (pdftoppm, pdftotext).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../.."
RENDER_INVOICE_SAMPLES="$here" "${PYTEST:-.venv/bin/pytest}" -q -p no:cacheprovider \
    billing/tests/test_invoice_documents.py -k render_sample
for name in invoice-de-eur invoice-uk-gbp; do
    pdftoppm -png -r 80 -singlefile "$here/$name.pdf" "$here/$name"
    pdftotext -layout "$here/$name.pdf" "$here/$name.txt"
done

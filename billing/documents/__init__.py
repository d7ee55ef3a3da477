"""The documents billing issues: invoices and credit notes (PDF/A-3 with Factur-X XML)
and settlement statements. Rendered on demand from the immutable records."""

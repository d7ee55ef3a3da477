"""Regulatory reports: the rules' formulas (formulas.py) and the reports built from our
status history and sessions (reports.py). docs/operations.md explains each."""

"""Reads for the stations app, one module per domain (see stations/services/)."""

"""Assets and their economics: each station's asset history with CAPEX, the energy we
buy per site, and per-site profitability (docs/operations.md, "Assets and profitability")."""

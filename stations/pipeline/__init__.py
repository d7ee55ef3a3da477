"""The site pipeline: candidate sites from survey to live (see docs/pipeline.md)."""

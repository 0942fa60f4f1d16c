"""Turns result tables into files: CSV, XLSX, HTML, PDF (built in a later issue)."""

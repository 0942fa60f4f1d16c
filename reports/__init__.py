"""Turns scoring's result tables into reports for their readers (the committee summary, the
practice feedback, the cohort view, coding agreement, data quality) and writes them as HTML, PDF,
XLSX, CSV or JSON. Choosing, wording and drawing happen here; every number comes from scoring."""

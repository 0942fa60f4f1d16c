"""Pure computation on pandas frames: decoding responses, scale scores, descriptive statistics,
group tests, progress across waves, and the definitions every output shares (a respondent, a
base, a suppressed cell, a response rate). No network, no files, no Flask."""

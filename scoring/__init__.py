"""Pure computation on pandas frames: decoding, scale scores, statistics (a later issue)."""

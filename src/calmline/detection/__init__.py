"""Risk detection: the detector seam, rule and trained detectors, the pipeline and context."""

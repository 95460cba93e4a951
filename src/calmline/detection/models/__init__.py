"""Trained detectors: a small linear model over hashed n-grams, its training and its data."""

"""Calmline's benchmark harness: accuracy against peers and public data, safety gates, speed.

Run ``make bench`` (or ``python -m benchmarks.run``; ``--quick`` for a subsampled development run).
"""

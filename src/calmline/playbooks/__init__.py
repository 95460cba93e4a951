"""Playbooks: trauma-informed guidance per scenario, as validated data."""

"""Calmline: conversation risk detection and guidance for contact-centre agents."""

__version__ = "0.1.0"

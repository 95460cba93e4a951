"""Built-in detectors; importing this package registers them."""

from calmline.detection.builtin import intensity, rules
from calmline.detection.models import linear

__all__ = ["intensity", "linear", "rules"]

"""hslhealing: an evidence-first publishing system for health and supplement articles."""

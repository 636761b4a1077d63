"""Layer 1: the fast risk model."""

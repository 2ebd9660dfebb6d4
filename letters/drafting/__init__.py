"""Drafting: the letter, minutes and decisions from a review record."""

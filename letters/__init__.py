"""iro-letters: letters to children in care, minutes and decisions, from one review record."""

__version__ = "0.1.0"

"""iro-letters: letters to children in care, review minutes and decisions, from one review record."""

__version__ = "0.1.0"

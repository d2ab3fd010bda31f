"""Linli NLP: classification of neighbourhood chat messages by learned keyword weights.

    >>> from nlp import Classifier
    >>> c = Classifier.from_file()          # packaged weights and general rules
    >>> c.classify("3栋电梯又坏了!!!").category
    'elevator'
"""

from .classifier import Classification, Classifier, explain_matched
from .labels import CATEGORIES, INTENTS, RulesError
from .place import Place, extract_place

__all__ = [
    "CATEGORIES",
    "INTENTS",
    "Classification",
    "Classifier",
    "Place",
    "RulesError",
    "explain_matched",
    "extract_place",
]

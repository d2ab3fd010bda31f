"""Linli NLP: rule-based classification of neighbourhood chat messages.

    >>> from nlp import Classifier
    >>> c = Classifier.from_file()          # packaged default rules
    >>> c.classify("3栋电梯又坏了!!!").category
    'elevator'
"""

from .classifier import Classification, Classifier, explain_matched
from .place import Place, extract_place
from .rules import CATEGORIES, INTENTS, RulesError, default_rules_path

__all__ = [
    "CATEGORIES",
    "INTENTS",
    "Classification",
    "Classifier",
    "Place",
    "RulesError",
    "default_rules_path",
    "explain_matched",
    "extract_place",
]

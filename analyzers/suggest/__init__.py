"""Suggestions: moves with measured reasons, in context, with restraint.

``suggest(analysis, context) -> Advice``. Pure: no I/O, no plugins, no Qt. The rules live
one concern per module (``corrective``, ``tonal``, ``dynamics``, ``stereo``, ``intent``);
``engine`` runs them and applies restraint; ``taste`` nudges confidences by the engineer's
past decisions; ``records`` holds :class:`Suggestion`, :class:`Advice`, :class:`Decision`.
Several stems at once: ``alignment`` (related microphones: polarity, delay), ``masking``
(critical-band masking of a focus track), ``crosstrack`` (the rule that runs both), on
``tracks`` (their shared record and arithmetic).
"""

from .engine import MAX_SUGGESTIONS, suggest
from .intent import Wish, parse_intent
from .records import Advice, Decision, LeaveAlone, Question, Suggestion

__all__ = ["MAX_SUGGESTIONS", "Advice", "Decision", "LeaveAlone", "Question", "Suggestion", "Wish", "parse_intent",
           "suggest"]

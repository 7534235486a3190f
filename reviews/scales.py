"""The IRM's value scales, as the OGP export spells them.

Ratings are stored as lowercase slugs of their English label (``not-started``), so the same
value serves the database, the URL filters and the code. The missing-value codes ND (no data),
NR (not reviewed) and NA (not applicable) are explicit members, distinct from each other and
from every rating, and stored as the export spells them.
"""

import functools

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

ND = "ND"
NR = "NR"
NA = "NA"
MISSING_CODES = (ND, NR, NA)


class Scale(models.TextChoices):
    """Base for every IRM scale: members are ratings; the missing codes are added by each scale."""

    @classmethod
    def ratings(cls):
        return [member for member in cls if member.value not in MISSING_CODES]

    @classmethod
    def is_rating(cls, value: str) -> bool:
        return value not in MISSING_CODES and value in cls.values

    @classmethod
    def ogp_spelling(cls, value: str) -> str:
        """The value as OGP's export writes it: the code itself, or the English label."""
        if value in MISSING_CODES:
            return value
        return _english_label(cls, value)

    @classmethod
    def from_ogp_spelling(cls, text: str) -> str:
        """The stored value for an export cell; raises ValueError for an unknown spelling."""
        cleaned = " ".join(text.split())
        if cleaned in MISSING_CODES:
            return cleaned
        spellings = cls.ogp_spellings()
        try:
            return spellings[cleaned.casefold()]
        except KeyError:
            raise ValueError(f"{text!r} is not a value of {cls.__name__}") from None

    @classmethod
    def ogp_spellings(cls) -> dict[str, str]:
        """Every accepted spelling (casefolded) to its stored value: labels, values, aliases."""
        spellings = {}
        with override("en"):
            for member in cls:
                spellings[str(member.label).casefold()] = member.value
                spellings[member.value.casefold()] = member.value
        for alias, value in SPELLING_ALIASES.get(cls.__name__, {}).items():
            spellings[alias.casefold()] = value
        return spellings


class Specificity(Scale):
    NONE = "none", _("None")
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable")


class YesNo(Scale):
    """Verifiable, the relevance flags, starred and carried forward: the export writes Yes/No or 1/0."""

    YES = "yes", _("Yes")
    NO = "no", _("No")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable")


class PotentialImpact(Scale):
    NONE = "none", _("None")
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    TRANSFORMATIVE = "transformative", _("Transformative")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable")


class PotentialForResults(Scale):
    UNCLEAR = "unclear", _("Unclear")
    MODEST = "modest", _("Modest")
    SUBSTANTIAL = "substantial", _("Substantial")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable")


class Completion(Scale):
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UNCLEAR = "unclear", _("Unclear")
    NOT_STARTED = "not-started", _("Not Started")
    LIMITED = "limited", _("Limited")
    SUBSTANTIAL = "substantial", _("Substantial")
    COMPLETE = "complete", _("Complete")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable")

    @classmethod
    def high(cls):
        """Substantial or Complete counts as high completion."""
        return (cls.SUBSTANTIAL, cls.COMPLETE)


class ChangeInCompletion(Scale):
    INCREASE = "increase", _("Increase")
    NO_CHANGE = "no-change", _("No Change")
    DECREASE = "decrease", _("Decrease")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable")


class OpenGovernment(Scale):
    """Did it open government? Overall and per OGP value."""

    WORSENS = "worsens", _("Worsens")
    DID_NOT_CHANGE = "did-not-change", _("Did Not Change")
    MARGINAL = "marginal", _("Marginal")
    MAJOR = "major", _("Major")
    OUTSTANDING = "outstanding", _("Outstanding")
    NOT_APPLICABLE = "not-applicable", _("Not Applicable")
    NO_EARLY_RESULTS = "no-early-results-to-report-yet", _("No early results to report yet")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable (NA)")

    @classmethod
    def strong(cls):
        """Major or Outstanding counts as strong."""
        return (cls.MAJOR, cls.OUTSTANDING)


class EarlyResults(Scale):
    NO_NOTABLE_RESULTS = "no-notable-results", _("No notable results")
    MODERATE = "moderate", _("Moderate")
    SIGNIFICANT = "significant", _("Significant")
    ND = ND, _("No data")
    NR = NR, _("Not reviewed")
    NA = NA, _("Not applicable")


@functools.cache
def _english_label(scale, value: str) -> str:
    # Cached: an export spells millions of cells, and activating a translation costs more than
    # writing the cell; the English labels never change while the process runs.
    with override("en"):
        return str(scale(value).label)


# Other spellings found in OGP's export and in Spanish IRM reports, per scale. (Kept outside
# the classes: every attribute of a TextChoices class becomes a member.)
SPELLING_ALIASES = {
    "YesNo": {"1": "yes", "0": "no"},
    "Completion": {"Limitado": "limited", "Sustancial": "substantial", "Completo": "complete",
                   "No iniciado": "not-started", "Retirado": "withdrawn"},
    "OpenGovernment": {"Marginalmente": "marginal", "Significativamente": "major",
                       "Excepcionalmente": "outstanding", "No cambió": "did-not-change",
                       "Empeoró": "worsens"},
}

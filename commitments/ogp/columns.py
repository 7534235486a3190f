"""The column map of OGP's commitments export, shared by the importer and the exports.

Each of the export's 171 columns is either modelled (a field of a member, an action plan, a
commitment, a policy-area tag or an IRM assessment, read and written with its scale) or kept
as written in ``Commitment.ogp_extra`` under its column name. A modelled cell whose spelling
the model cannot reproduce ("N/A" for a missing institution, "1" for Yes, "ND" for an untagged
policy area) is also kept there, so an import followed by an export gives every cell back.
"""

import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from reviews.models import IRMReport
from reviews.scales import (
    MISSING_CODES,
    ChangeInCompletion,
    Completion,
    EarlyResults,
    OpenGovernment,
    PotentialForResults,
    PotentialImpact,
    Scale,
    Specificity,
    YesNo,
)

from .. import validators
from ..models import Commitment, Member, institution_key
from . import spellings
from .dates import format_date, parse_date, same_day

# Where a column's value lives.
MEMBER, PLAN, COMMITMENT, POLICY_AREA, MID, FINAL, EXTRA = (
    "member", "plan", "commitment", "policy_area", "mid", "final", "extra")

# How a cell is read and written.
TEXT, INT, YEAR, SCALE, FLAG, STATUS, CHOICE, DATE, LEAD, SUPPORTING = (
    "text", "int", "year", "scale", "flag", "status", "choice", "date", "lead", "supporting")

# The IRM changed its reports for plans submitted from 2020: an Action Plan Review and a
# Results Report replace the Progress and End-of-Term reports. The export keeps one set of
# columns: the mid-term columns hold the first report, the end-of-term ones the last.
NEW_MODEL_FROM = 2020
SLOT_KINDS = {
    (MID, False): IRMReport.Kind.PROGRESS,
    (MID, True): IRMReport.Kind.ACTION_PLAN_REVIEW,
    (FINAL, False): IRMReport.Kind.END_OF_TERM,
    (FINAL, True): IRMReport.Kind.RESULTS,
}

# Cells that say "nothing here" in text columns (kept as written when spelled otherwise).
EMPTY_SPELLINGS = {"", *MISSING_CODES, "N/A", "n/a"}
INSTITUTION_SEPARATORS = (";", "\n", ",")
INSTITUTION_NAME_MAX = 1000


@functools.lru_cache(maxsize=4096)
def _scale_value(scale: type[Scale], cell: str) -> str:
    # A file of thousands of rows holds a few dozen distinct ratings: read each spelling once.
    return scale.from_ogp_spelling(cell)


def is_new_model(submission_year: int) -> bool:
    return submission_year >= NEW_MODEL_FROM


def slot_kind(slot: str, submission_year: int) -> str:
    return SLOT_KINDS[(slot, is_new_model(submission_year))]


def split_institutions(cell: str) -> tuple[str, ...]:
    """The names in a "Supporting Institution(s)" cell, in order, without repeats."""
    text = cell
    for separator in INSTITUTION_SEPARATORS[1:]:
        text = text.replace(separator, INSTITUTION_SEPARATORS[0])
    names = []
    for part in text.split(INSTITUTION_SEPARATORS[0]):
        name = " ".join(part.split()).strip("•-–· ")
        if name and name not in EMPTY_SPELLINGS and name not in names:
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class Column:
    """One column of OGP's export and how ogptracker reads and writes it."""

    name: str
    target: str = EXTRA
    field: str = ""
    kind: str = TEXT
    scale: type[Scale] | None = None
    binary: bool = False  # a Yes/No scale written 1/0
    empty: str = ""  # how the export writes an empty value
    optional: bool = True  # text: may be empty, a missing code reads as empty; choice: may be a code
    key: bool = False  # an identifier in URLs: surrounding spaces dropped, then its validator
    validator: object = None  # for keys: validators.validate_identifier or validate_ogp_id
    link: bool = False  # a URL the pages render as a link: http(s) only (validators.is_link)
    era: bool | None = None  # True: only plans of the new IRM model; False: only older plans
    choices: tuple[str, ...] = ()
    max_length: int | None = None

    def applies_to(self, submission_year: int) -> bool:
        if self.target == EXTRA:
            return False
        return self.era is None or self.era == is_new_model(submission_year)

    def parse(self, cell: str):
        """The model's value for a cell; ValueError with the reason when it has none."""
        kind = self.kind
        stripped = cell.strip()
        if kind == TEXT:
            if self.optional and stripped in EMPTY_SPELLINGS:
                return ""
            if not stripped:
                raise ValueError("is empty")
            if not self.optional and stripped in EMPTY_SPELLINGS:
                # A required name ("Country/Locality" ND) would become a member called "ND".
                raise ValueError(f"{stripped!r} is a missing-value code; this column needs a value")
            if self.key:
                cell = stripped
                try:
                    # The shape is OGP's, written once in validators (it is in every URL).
                    self.validator(cell)
                except ValidationError as error:
                    raise ValueError(f"{cell!r} is refused: {' '.join(error.messages)}") from None
            self._check_length(cell)
            if self.link and not validators.is_link(cell):
                raise ValueError(f"{cell!r} is refused: {validators.LINK_MESSAGE}")
            return cell
        if kind == INT:
            stripped = spellings.whole_number(stripped)
            if not stripped.isdigit():
                raise ValueError(f"{cell!r} is not a whole number")
            return int(stripped)
        if kind == YEAR:
            if stripped in EMPTY_SPELLINGS:
                return None
            stripped = spellings.whole_number(stripped)
            if not (stripped.isdigit() and len(stripped) == 4):
                raise ValueError(f"{cell!r} is not a year")
            return int(stripped)
        if kind == SCALE:
            if not stripped:
                return self.scale.ND
            return _scale_value(self.scale, spellings.flag(stripped) if self.binary else cell)
        if kind == FLAG:
            stripped = spellings.flag(stripped)
            if stripped in ("1", "0"):
                return stripped == "1"
            if stripped in EMPTY_SPELLINGS:
                return False
            raise ValueError(f"{cell!r} is not 1 or 0")
        if kind == STATUS:
            if stripped in MISSING_CODES:
                # The model holds no "not known" status: the importer leaves the status alone
                # and keeps the code as written for the export (see keeps_written).
                return None
            stripped = spellings.flag(stripped)
            if stripped in ("1", "0"):
                return Commitment.Status.ACTIVE if stripped == "1" else Commitment.Status.INACTIVE
            raise ValueError(f"{cell!r} is not 1 (active) or 0 (inactive)")
        if kind == CHOICE:
            if self.optional and stripped in MISSING_CODES:
                return None  # as for STATUS: nothing stored, the code kept as written
            if stripped not in self.choices:
                raise ValueError(f"{cell!r} is not one of {', '.join(self.choices)}")
            return stripped
        if kind == DATE:
            self._check_length(cell)
            return parse_date(cell)
        if kind == LEAD:
            name = " ".join(cell.split())
            if name in EMPTY_SPELLINGS:
                return None
            self._check_length(name)
            return name
        if kind == SUPPORTING:
            names = split_institutions(cell)
            for name in names:
                self._check_length(name)
            return frozenset(names)
        raise AssertionError(kind)

    def _check_length(self, text: str):
        if self.max_length and len(text) > self.max_length:
            raise ValueError(f"is longer than {self.max_length} characters")

    def render(self, value) -> str:
        """A value as the export writes it."""
        kind = self.kind
        if value is None or value == "" or value == frozenset():
            return self.empty
        if kind == SCALE:
            if self.binary and value in (YesNo.YES, YesNo.NO):
                return "1" if value == YesNo.YES else "0"
            return self.scale.ogp_spelling(value)
        if kind == FLAG:
            return "1" if value else "0"
        if kind == STATUS:
            return "1" if value == Commitment.Status.ACTIVE else "0"
        if kind == DATE:
            day, text = value
            return text or format_date(day) or self.empty
        if kind == SUPPORTING:
            return ", ".join(sorted(value))
        return str(value)

    def keeps_written(self, written: str, current) -> bool:
        """Whether the spelling kept from an import still means the model's current value."""
        try:
            parsed = self.parse(written)
        except ValueError:
            return False
        if parsed is None and self.kind in (YEAR, STATUS, CHOICE):
            # A missing code the model cannot hold (a year, a status, a choice): it stands for
            # "not known" whatever the model says, and goes back as written. (A lead
            # institution's "N/A" does not: a lead entered since is exported.)
            return True
        return self.same_value(parsed, current)

    def same_value(self, parsed, current) -> bool:
        """Whether a parsed cell is the model's current value, however the cell spelled it: a
        date by the day it names (its text when it names none), an institution by its name's key,
        a text as a spreadsheet reads it (spellings.py: "4.1" is "4.0999999999999996", LF is
        CRLF), anything else by equality. The importer leaves what is stored alone where this
        holds (equal is unchanged)."""
        if self.kind == DATE:
            return _same_date(parsed, current)
        # An institution is one whatever the accents, case or spacing of its name (the importer
        # links "Costa Rica Integra" to "Costa Rica Íntegra"): the file's spelling still means it.
        if self.kind == LEAD and parsed is not None and current is not None:
            return institution_key(parsed) == institution_key(current)
        if self.kind == SUPPORTING:
            return {institution_key(name) for name in parsed} == {institution_key(name) for name in current}
        if self.kind == TEXT and isinstance(parsed, str) and isinstance(current, str):
            return spellings.same_text(parsed, current)
        return parsed == current

    def same_cell(self, first: str, second: str) -> bool:
        """Whether two cells of this column are one value as a spreadsheet reads them ("1" and
        "1.0"; for a date, the day both name). Not by the model's reading: "NR" and "0" are one
        value to a flag, yet the export keeps the code a file wrote."""
        if first == second or spellings.same_text(first, second):
            return True
        if self.kind != DATE:
            return False
        try:
            return self.same_value(self.parse(first), self.parse(second))
        except ValueError:
            return False


def _same_date(first, second) -> bool:
    """Whether two (day, text) values of a date column say the same: the day a text names (the
    export writes the text; dates.same_day: "07/15/05" is 7/15/1905), else the text itself
    ("Ongoing"), else the day stored without a text."""
    (first_day, first_text), (second_day, second_text) = (_date_meaning(first), _date_meaning(second))
    if isinstance(first_day, str) or isinstance(second_day, str):
        return first_day == second_day
    return same_day(first_day, first_text, second_day, second_text)


def _date_meaning(value):
    """(what a date column's (day, text) names: a day, or the text when it names none; the text)."""
    if value is None:
        return None, ""
    day, text = value
    if text:
        return parse_date(text)[0] or " ".join(text.split()), text
    return day, ""


def _commitment_length(field):
    return Commitment._meta.get_field(field).max_length


def _c(name, field, kind=TEXT, **kwargs):
    return Column(name, COMMITMENT, field, kind, **kwargs)


def _scale(name, target, field, scale, **kwargs):
    return Column(name, target, field, SCALE, scale=scale, empty="ND", **kwargs)


def _extra(name):
    return Column(name)


REGIONS = tuple(Member.Region.values)
KINDS = tuple(Member.Kind.values)

POLICY_AREA_NAMES = (
    "Anti-Corruption and Integrity", "Anti-corruption Institutions", "Anti-Corruption Strategies",
    "Asset Disclosure", "Audits", "Beneficial Ownership", "Conflicts Of Interest", "Elections",
    "Political Finance", "Lobbying", "Open Contracting", "Public Procurement", "Right To Information",
    "Whistleblower Protections", "Civic Space and Enabling Environment", "Freedom of Assembly",
    "Freedom of Association", "Freedom of Expression", "Democratizing Decision-Making",
    "Digital Participation", "Mainstreaming Participation", "Regulatory Governance",
    "Social Accountability", "Digital Governance", "Automated Decision-making",
    "Data Stewardship and Privacy", "Digital Inclusion", "Disinformation/Misinformation",
    "Online Civic Space", "Environment & Climate", "Climate Finance",
    "Climate Mitigation and Adaptation", "Environmental Regulation",
    "International Environmental Agreements", "Fiscal Openness",
    "Publication Of Budget/Fiscal Information", "Public Participation In Budget/Fiscal Policy",
    "Oversight Of Budget/Fiscal Policies", "Stimulus and Economic Recovery", "Tax", "Debt",
    "Inclusion", "Gender", "Gender-Based Violence", "Economic Inclusion", "LGBTQIA+",
    "People with Disabilities", "Youth", "Justice", "Access to Justice", "Open Justice",
    "Policing & Corrections", "Judiciary", "Open Parliaments", "Public Service Delivery",
    "Citizenship & Immigration", "Education", "Health & Nutrition", "Infrastructure & Transport",
    "Water & Sanitation", "Capacity Building", "Digital Transformation", "Legislation", "Regulation",
    "Legislative Oversight", "Open Data", "Public Participation", "Aid", "Energy",
    "Extractive Industries", "Land and Spatial Planning", "Media & Telecommunications",
    "Science & Technology", "Security & Public Safety", "Labor", "Private Sector", "Subnational",
    "Human Rights", "Open Parliament Plan", "Sustainable Development Goals",
    "Open Data (Water/Sanitation)", "Open Data (Health)", "Open Data (Education)",
    "Participation in Lawmaking", "Access to information", "Money in Politics",
)

COLUMNS: tuple[Column, ...] = (
    _c("Commitment Unique Identifier", "identifier", optional=False, key=True,
       validator=validators.validate_identifier,
       max_length=_commitment_length("identifier")),
    Column("Country/Locality", MEMBER, "name", optional=False,
           max_length=Member._meta.get_field("name").max_length),
    Column("Action Plan Number", PLAN, "number", INT),
    _c("Commitment Number", "number", max_length=_commitment_length("number")),
    Column("Code", MEMBER, "code", max_length=Member._meta.get_field("code").max_length),
    Column("Region", MEMBER, "region", CHOICE, choices=REGIONS, optional=False),
    Column("National Or Local", MEMBER, "kind", CHOICE, choices=KINDS),
    _extra("Commitment Dummy"),
    Column("Year Of Submission", PLAN, "submission_year", INT),
    Column("Action Plan End Year", PLAN, "end_year", INT),
    _extra("Action Plan Duration (Years)"),
    _c("Theme", "theme", empty="NA", max_length=_commitment_length("theme")),
    _c("Commitment Title", "title", optional=False, max_length=_commitment_length("title")),
    _c("Short Title", "short_title", max_length=_commitment_length("short_title")),
    _c("Full Text", "description"),
    _c("Start Date", "start_date", DATE, empty="NA", max_length=_commitment_length("start_date_text")),
    _c("End Date", "end_date", DATE, empty="NA", max_length=_commitment_length("end_date_text")),
    _c("Lead Institution", "lead_institution", LEAD, empty="NA", max_length=INSTITUTION_NAME_MAX),
    _c("Supporting Institution(s)", "supporting_institutions", SUPPORTING, empty="NA",
       max_length=INSTITUTION_NAME_MAX),
    *(Column(name, POLICY_AREA, slugify(name), FLAG) for name in POLICY_AREA_NAMES),
    Column("Report Publication Year (Progress Report)", MID, "publication_year", YEAR, empty="ND"),
    _extra("Compound"),
    Column("Cluster", MID, "cluster", empty="ND", era=False, max_length=100),
    _scale("Specificity", MID, "specificity", Specificity),
    _extra("_Specificity"),
    _scale("Verifiable", MID, "verifiable", YesNo),
    _scale("OGP Value Access To Information", MID, "access_to_information", YesNo, binary=True),
    _scale("OGP Value Civic Participation", MID, "civic_participation", YesNo, binary=True),
    _scale("OGP Value Public Accountability", MID, "public_accountability", YesNo, binary=True),
    _scale("OGP Value Technology", MID, "technology_innovation", YesNo, binary=True),
    _extra("_Relevant"),
    _scale("Potential Impact", MID, "potential_impact", PotentialImpact),
    _extra("_Potential Impact"),
    _scale("Completion (Progress Report)", MID, "completion", Completion),
    _extra("_CompletionProgress"),
    _extra("Starred (2015 Only)"),
    _scale("Starred (Current Formula) Progress Report", MID, "starred", YesNo, binary=True),
    _scale("Potential for Results", MID, "potential_for_results", PotentialForResults),
    _extra("_Potential for Results"),
    _extra("Cluster (AP Review)"),
    Column("Cluster Commitment ID(s)", MID, "cluster", empty="ND", era=True, max_length=100),
    Column("Report Publication Year (End Of Term)", FINAL, "publication_year", YEAR, empty="ND"),
    _scale("Completion (End Of Term)", FINAL, "completion", Completion),
    _extra("_CompletionEndTerm"),
    _scale("Change In Completion", FINAL, "change_in_completion", ChangeInCompletion),
    _extra("_ChangeCompletion"),
    _scale("Early Results", FINAL, "early_results", EarlyResults),
    _extra("_Early Results"),
    _scale("Did It Open Government (Overall)", FINAL, "did_it_open_government", OpenGovernment),
    _extra("_OpenGovernment"),
    _scale("Did It Open Government (Access To Information)", FINAL,
           "open_government_access_to_information", OpenGovernment),
    _extra("_DIOGATI"),
    _scale("Did It Open Government (Civic Participation)", FINAL,
           "open_government_civic_participation", OpenGovernment),
    _extra("_DIOGCP"),
    _scale("Did It Open Government: Public Accountability", FINAL,
           "open_government_public_accountability", OpenGovernment),
    _extra("_DIOGPA"),
    _scale("Starred (Current Formula) End of Term", FINAL, "starred", YesNo, binary=True),
    _scale("Carried Forward", COMMITMENT, "carried_forward", YesNo, binary=True),
    _extra("Most Recently Assessed"),
    _c("Star - Most Recently Assessed", "starred", FLAG),
    _extra("IRM Assessed"),
    _extra("Updated? (Website)"),
    _c("Active Commitment", "status", STATUS),
    *(_extra(name) for name in (
        "Max star", "Ambition Assessed", "Comp Assessed", "DIOG Assessed", "Midterm Only",
        "Max Completion", "Raw Completion", "High Completion", "High Ambition", "High DIOG",
        "Ambitious and complete, or DIOG", "Ambitious but not complete", "Complete but not ambitious",
        "Not complete or ambitious", "Not reviewed", "CHECKSUM", "IRM-Based Score",
        "Binding constraint")),
    _c("URL", "ogp_url", link=True, max_length=_commitment_length("ogp_url")),
    _extra("Latest IRM Report"),
    _extra("Subnational in NAPs"),
    Column("Action Plan ID", PLAN, "ogp_id", optional=False, key=True,
           validator=validators.validate_ogp_id, max_length=30),
    _extra("id"),
)

COLUMN_NAMES = tuple(column.name for column in COLUMNS)
BY_NAME = {column.name: column for column in COLUMNS}
IDENTIFIER = "Commitment Unique Identifier"
PLAN_ID = "Action Plan ID"
# Without these a row cannot name its commitment, member and action plan.
REQUIRED = (IDENTIFIER, "Country/Locality", "Region", PLAN_ID, "Action Plan Number",
            "Year Of Submission", "Action Plan End Year", "Commitment Title")
POLICY_AREA_COLUMNS = tuple(column for column in COLUMNS if column.target == POLICY_AREA)

def policy_area_keys(area) -> frozenset:
    """The column keys a policy area answers to: its slug, and its name slugified (an area
    entered by hand as "Conflicts of Interest" still fills "Conflicts Of Interest")."""
    return frozenset({area.slug, slugify(area.name)})


@dataclass
class RowSources:
    """The objects one exported row is read from (saved or, in the importer, not yet)."""

    commitment: Commitment
    member: Member
    plan: object
    lead_name: str | None
    supporting: frozenset
    area_slugs: frozenset  # policy_area_keys of the commitment's areas
    assessments: dict  # MID/FINAL -> Assessment or None
    report_years: dict  # MID/FINAL -> publication year or None


def current_value(column: Column, sources: RowSources):
    """The model's value for a modelled column; None where the model holds none."""
    target = column.target
    if target == MEMBER:
        return getattr(sources.member, column.field)
    if target == PLAN:
        return getattr(sources.plan, column.field)
    if target == POLICY_AREA:
        return column.field in sources.area_slugs
    if target in (MID, FINAL):
        if sources.assessments.get(target) is None:
            return None
        if column.field == "publication_year":
            return sources.report_years.get(target)
        return getattr(sources.assessments[target], column.field)
    commitment = sources.commitment
    if column.kind == DATE:
        name = column.field
        return getattr(commitment, name), getattr(commitment, f"{name}_text")
    if column.kind == LEAD:
        return sources.lead_name
    if column.kind == SUPPORTING:
        return sources.supporting
    return getattr(commitment, column.field)


def export_cell(column: Column, sources: RowSources, extra: dict) -> str:
    """A column's cell for one commitment, unmarked: as written at import when still true."""
    written = extra.get(column.name)
    if not column.applies_to(sources.plan.submission_year):
        return written if written is not None else ""
    current = current_value(column, sources)
    if written is not None and (current is None or column.keeps_written(written, current)):
        return written
    return column.render(current)


def export_row(sources: RowSources) -> list[str]:
    extra = sources.commitment.ogp_extra or {}
    return [export_cell(column, sources, extra) for column in COLUMNS]

"""Realistic synthetic OGP data in bulk, for demos and for benchmarks at 100,000 commitments.

Members, plans, institutions and IRM reports are few and created first; commitments come in
batches, each batch with its milestones, assessments and tags written by bulk_create, so the
run costs a handful of round trips per thousand commitments and its memory stays flat.
"""

import datetime
import itertools
import random
import string
from dataclasses import dataclass, field

from django.db import reset_queries
from django.utils.text import slugify

from reviews import scales
from reviews.models import Assessment, IRMReport

from ..freshness import saves
from ..models import ActionPlan, Commitment, Institution, Member, Milestone, PolicyArea, institution_key
from ..search import build_search_text
from .vocabulary import (
    CITY_PREFIXES,
    LANGUAGES,
    NAME_ENDS,
    NAME_MIDDLES,
    NAME_STARTS,
    POLICY_AREAS,
    RESEARCHERS,
)

COMMITMENTS_PER_PLAN = (40, 60)
PLANS_PER_MEMBER = (1, 6)
MILESTONES_PER_COMMITMENT = (3, 7)  # about 5
INSTITUTIONS_PER_MEMBER = 12
# The IRM changed its model in 2020: plans submitted since are reviewed and then given results.
NEW_IRM_MODEL_FROM = 2020

# Every field of an assessment with its scale: each value (ratings and ND/NR/NA) gets used.
ASSESSMENT_SCALES = {
    "specificity": scales.Specificity,
    "verifiable": scales.YesNo,
    "access_to_information": scales.YesNo,
    "civic_participation": scales.YesNo,
    "public_accountability": scales.YesNo,
    "technology_innovation": scales.YesNo,
    "potential_impact": scales.PotentialImpact,
    "potential_for_results": scales.PotentialForResults,
    "completion": scales.Completion,
    "change_in_completion": scales.ChangeInCompletion,
    "did_it_open_government": scales.OpenGovernment,
    "open_government_access_to_information": scales.OpenGovernment,
    "open_government_civic_participation": scales.OpenGovernment,
    "open_government_public_accountability": scales.OpenGovernment,
    "early_results": scales.EarlyResults,
    "starred": scales.YesNo,
}


@dataclass
class Totals:
    members: int = 0
    action_plans: int = 0
    commitments: int = 0
    milestones: int = 0
    assessments: int = 0
    institutions: int = 0
    counts: dict = field(default_factory=dict)


class Writer:
    """Composes sentences in one language from its vocabulary."""

    def __init__(self, rng: random.Random, language: str):
        self.rng = rng
        self.words = LANGUAGES[language]

    def pick(self, key):
        return self.rng.choice(self.words[key])

    def title(self) -> str:
        return f"{self.pick('title_verbs')} {self.pick('objects')}"

    def sentence(self) -> str:
        return f"{self.pick('subjects')} {self.pick('verbs')} {self.pick('objects')} {self.pick('purposes')}."

    def paragraph(self, low: int, high: int) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def problem(self) -> str:
        return f"{self.pick('problems')} {self.paragraph(3, 6)}"

    def milestone(self) -> str:
        return f"{self.pick('milestones')} {self.pick('objects')} {self.pick('purposes')}."


class DemoDataGenerator:
    def __init__(self, *, commitments: int, seed: int = 0, batch_size: int = 2000, log=lambda text: None):
        self.total = commitments
        self.rng = random.Random(seed)
        self.batch_size = batch_size
        self.log = log
        self.totals = Totals()
        self.value_cursor = itertools.count()
        self.languages = list(LANGUAGES)
        self.language_weights = [LANGUAGES[code]["weight"] for code in self.languages]

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> Totals:
        self.policy_areas = self._policy_areas()
        plans = self._plan_sizes()
        pending: list[tuple] = []
        for member_plans in self._members(plans):
            for plan, size, reports, institutions, writer in member_plans:
                pending.extend(
                    self._commitment(plan, number, reports, institutions, writer)
                    for number in range(1, size + 1)
                )
                if len(pending) >= self.batch_size:
                    self._flush(pending)
                    pending = []
        if pending:
            self._flush(pending)
        return self.totals

    def _plan_sizes(self) -> list[int]:
        """Plan sizes of 40-60 commitments adding up to exactly the total asked for."""
        sizes, left = [], self.total
        while left > 0:
            size = min(left, self.rng.randint(*COMMITMENTS_PER_PLAN))
            sizes.append(size)
            left -= size
        return sizes

    # --- members, plans, institutions, reports ----------------------------------------------

    def _members(self, plan_sizes):
        """Yields, per member, its plans ready to fill; members are created as they are needed."""
        prefixes = self._free_prefixes()
        names = self._free_names()
        taken_slugs = set(Member.objects.values_list("slug", flat=True))
        index, position = 0, 0
        while position < len(plan_sizes):
            count = min(self.rng.randint(*PLANS_PER_MEMBER), len(plan_sizes) - position)
            sizes = plan_sizes[position : position + count]
            position += count
            # About 60% national and 40% local, as OGP's membership; the first two are one of each.
            local = index == 1 or (index > 1 and self.rng.random() < 0.4)
            country = next(names)
            name = f"{self.rng.choice(CITY_PREFIXES)} {next(names)} ({country})" if local else country
            # Every language early on, so even a small run is multilingual.
            language = (
                self.languages[index]
                if index < len(self.languages)
                else self.rng.choices(self.languages, self.language_weights)[0]
            )
            yield self._member_with_plans(name, next(prefixes), local, language, sizes, taken_slugs)
            index += 1

    @saves.bulk_write()
    def _member_with_plans(self, name, prefix, local, language, sizes, taken_slugs):
        # One language per member, as a plan is written in the member's language.
        writer = Writer(self.rng, language)
        slug = slugify(name)
        while slug in taken_slugs:
            slug = f"{slugify(name)}-{self.rng.randint(2, 9999)}"
        taken_slugs.add(slug)
        member = Member.objects.create(
            name=name,
            slug=slug,
            code="" if local else f"X{prefix}"[:10],
            region=self.rng.choice(Member.Region.values),
            kind=Member.Kind.LOCAL if local else Member.Kind.NATIONAL,
        )
        self.totals.members += 1
        institutions = Institution.objects.bulk_create(
            [
                Institution(name=f"{kind} ({name})", name_key=institution_key(f"{kind} ({name})"))
                for kind in self.rng.sample(
                    writer.words["institution_kinds"],
                    min(INSTITUTIONS_PER_MEMBER, len(writer.words["institution_kinds"])),
                )
            ]
        )
        self.totals.institutions += len(institutions)
        first_year = self.rng.choice(range(2011, 2016)) if len(sizes) < 6 else 2011
        plans = []
        for number, size in enumerate(sizes, start=1):
            year = min(first_year + 2 * (number - 1), 2025)
            plan = ActionPlan.objects.create(
                member=member,
                number=number,
                ogp_id=f"AP_{prefix}{number:02d}",
                title=f"{name} Action Plan {year}-{year + 2}",
                submission_year=year,
                end_year=year + 2,
            )
            plan.member = member
            plan.prefix = prefix
            plans.append((plan, size, self._reports(plan), institutions, writer))
        self.totals.action_plans += len(plans)
        return plans

    def _reports(self, plan) -> tuple:
        """The plan's mid-term and end-of-term reports, in the IRM model of its years."""
        if plan.submission_year >= NEW_IRM_MODEL_FROM:
            kinds = (IRMReport.Kind.ACTION_PLAN_REVIEW, IRMReport.Kind.RESULTS)
        else:
            kinds = (IRMReport.Kind.PROGRESS, IRMReport.Kind.END_OF_TERM)
        researcher = self.rng.choice(RESEARCHERS)
        return tuple(
            IRMReport.objects.create(
                action_plan=plan,
                kind=kind,
                title=f"{plan.member.name} {IRMReport.Kind(kind).label} "
                f"{plan.submission_year}-{plan.end_year}",
                publication_year=plan.submission_year + 1 + offset,
                researcher=researcher,
                url=f"https://www.opengovpartnership.org/documents/{slugify(plan.title)}-{kind}/",
            )
            for offset, kind in enumerate(kinds)
        )

    def _free_prefixes(self):
        """Identifier prefixes (two letters, then three) that no existing commitment or plan uses."""
        used = {
            identifier.rstrip(string.digits)
            for identifier in Commitment.objects.values_list("identifier", flat=True)
        }
        used |= {
            ogp_id[3:].rstrip(string.digits) for ogp_id in ActionPlan.objects.values_list("ogp_id", flat=True)
        }
        for length in (2, 3, 4):
            for letters in itertools.product(string.ascii_uppercase, repeat=length):
                prefix = "".join(letters)
                if prefix not in used:
                    yield prefix

    def _free_names(self):
        """Fictional country names, in a shuffled but reproducible order, then numbered."""
        names = sorted({f"{a}{b}{c}" for a in NAME_STARTS for b in NAME_MIDDLES for c in NAME_ENDS})
        self.rng.shuffle(names)
        # Names of an earlier run are skipped: institution names (which include them) are unique.
        taken = {name.split(" (")[-1].rstrip(")") for name in Member.objects.values_list("name", flat=True)}
        taken |= {
            name.split(" ", 2)[-1].split(" (")[0] for name in Member.objects.values_list("name", flat=True)
        }
        for round_number in itertools.count(1):
            for name in names:
                name = name if round_number == 1 else f"{name} {round_number}"
                if name not in taken:
                    yield name

    def _policy_areas(self) -> list[PolicyArea]:
        areas = []
        for name in POLICY_AREAS:
            area = PolicyArea.objects.filter(name__iexact=name).first()
            if area is None:
                slug = slugify(name)
                if PolicyArea.objects.filter(slug=slug).exists():
                    slug = f"{slug}-demo"
                area = PolicyArea.objects.create(name=name, slug=slug)
            areas.append(area)
        return areas

    # --- commitments and what hangs on them ---------------------------------------------------

    def _commitment(self, plan, number, reports, institutions, writer):
        rng = self.rng
        start = datetime.date(plan.submission_year, rng.choice((1, 3, 6, 7, 9)), 1)
        end = datetime.date(plan.end_year, rng.choice((6, 8, 12)), rng.choice((1, 30)))
        sections = {
            "problem": writer.problem(),
            "main_objective": writer.sentence(),
            "brief_description": writer.paragraph(3, 6),
            "ogp_challenge": writer.sentence() if rng.random() < 0.7 else "",
            "relevance": writer.paragraph(1, 3),
            "ambition": writer.paragraph(1, 2),
        }
        title = writer.title()
        lead = rng.choice(institutions)
        supporting = rng.sample(institutions, rng.randint(0, 3))
        supporting = [item for item in supporting if item is not lead]
        commitment = Commitment(
            identifier=f"{plan.prefix}{self._next_number(plan.member):04d}",
            action_plan=plan,
            number=f"{number}",
            title=title,
            short_title=title.split(" ", 1)[-1][:60] if rng.random() < 0.6 else "",
            theme=rng.choice(self.policy_areas).name,
            description="\n\n".join(text for text in sections.values() if text),
            **sections,
            start_date=start,
            start_date_text=start.strftime("%-m/%-d/%Y"),
            end_date=end if rng.random() < 0.9 else None,
            end_date_text=end.strftime("%-m/%-d/%Y") if rng.random() < 0.9 else "NA",
            status=Commitment.Status.ACTIVE if plan.end_year >= 2024 else Commitment.Status.INACTIVE,
            lead_institution=lead,
            access_to_information=rng.random() < 0.6,
            civic_participation=rng.random() < 0.5,
            public_accountability=rng.random() < 0.4,
            technology_innovation=rng.random() < 0.3,
            carried_forward=self._value(scales.YesNo),
        )
        if commitment.end_date is None:
            commitment.end_date_text = "NA"
        commitment.ogp_url = (
            f"https://www.opengovpartnership.org/members/{plan.member.slug}/commitments/"
            f"{commitment.identifier}/"
        )
        commitment.search_text = build_search_text(commitment, [lead.name, *(i.name for i in supporting)])
        ratings = [{name: self._value(scale) for name, scale in ASSESSMENT_SCALES.items()} for _ in reports]
        # The final star is the last report's.
        commitment.starred = ratings[-1]["starred"] == scales.YesNo.YES
        areas = rng.sample(self.policy_areas, rng.randint(1, 3))
        return commitment, list(zip(reports, ratings, strict=True)), supporting, areas, writer

    def _next_number(self, member) -> int:
        member.demo_counter = getattr(member, "demo_counter", 0) + 1
        return member.demo_counter

    def _value(self, scale):
        """Mostly ratings, sometimes ND/NR/NA; the first rounds go through every value in turn."""
        values = scale.values
        turn = next(self.value_cursor)
        if turn < 200:
            return values[turn % len(values)]
        if self.rng.random() < 0.12:
            return self.rng.choice(scales.MISSING_CODES)
        return self.rng.choice([member.value for member in scale.ratings()])

    def _assessments(self, commitment, rated_reports, writer):
        assessments = []
        for report, values in rated_reports:
            assessments.append(
                Assessment(
                    report=report,
                    commitment=commitment,
                    **values,
                    cluster=f"{commitment.action_plan.ogp_id}-C{self.rng.randint(1, 6)}"
                    if report.kind == IRMReport.Kind.ACTION_PLAN_REVIEW and self.rng.random() < 0.3
                    else "",
                    summary=writer.sentence(),
                    narrative=writer.paragraph(2, 4),
                    open_government_narrative=writer.paragraph(1, 2) if self.rng.random() < 0.6 else "",
                    carried_forward_narrative=writer.sentence() if self.rng.random() < 0.3 else "",
                )
            )
        return assessments

    def _milestones(self, commitment, writer):
        rng = self.rng
        start, end = commitment.start_date, commitment.end_date or commitment.start_date
        span = max((end - start).days, 1)
        milestones = []
        for order in range(1, rng.randint(*MILESTONES_PER_COMMITMENT) + 1):
            first = start + datetime.timedelta(days=rng.randrange(span))
            last = first + datetime.timedelta(days=rng.randint(30, 240))
            milestones.append(
                Milestone(
                    commitment=commitment,
                    order=order,
                    text=writer.milestone(),
                    start_date=first,
                    end_date=last,
                    status=self._value(scales.Completion),
                    evidence_url=f"https://transparency.example.org/evidence/{commitment.identifier}/{order}"
                    if rng.random() < 0.4
                    else "",
                )
            )
        return milestones

    def _flush(self, pending):
        with saves.bulk_write() as written:
            self._write(pending, written)

    def _write(self, pending, written):
        commitments = Commitment.objects.bulk_create([item[0] for item in pending])
        milestones, assessments, supporting, tags = [], [], [], []
        SupportThrough = Commitment.supporting_institutions.through
        TagThrough = Commitment.policy_areas.through
        for commitment, (_, reports, support, areas, writer) in zip(commitments, pending, strict=True):
            milestones.extend(self._milestones(commitment, writer))
            assessments.extend(self._assessments(commitment, reports, writer))
            supporting.extend(
                SupportThrough(commitment_id=commitment.pk, institution_id=i.pk) for i in support
            )
            tags.extend(TagThrough(commitment_id=commitment.pk, policyarea_id=a.pk) for a in areas)
        Milestone.objects.bulk_create(milestones, batch_size=self.batch_size)
        Assessment.objects.bulk_create(assessments, batch_size=self.batch_size)
        SupportThrough.objects.bulk_create(supporting, batch_size=self.batch_size)
        TagThrough.objects.bulk_create(tags, batch_size=self.batch_size)
        # Bulk inserts send no signals: the new commitments' IRM ratings and milestone counts are
        # stored by bulk_write (their search text is built with them, above).
        written.commitments(commitments, search_text=False)
        self.totals.commitments += len(commitments)
        self.totals.milestones += len(milestones)
        self.totals.assessments += len(assessments)
        self.log(f"{self.totals.commitments:,} / {self.total:,} commitments")
        # Under DEBUG every query's SQL is kept; a run of 100,000 would hold gigabytes of it.
        reset_queries()

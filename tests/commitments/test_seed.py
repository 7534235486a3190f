"""The Chile seed: `manage.py loaddata chile` gives the seed page's content."""

import datetime

import pytest

from commitments.models import Commitment
from reviews.models import IRMReport
from reviews.scales import ChangeInCompletion, Completion, OpenGovernment, YesNo


def test_seed_has_chile_with_four_action_plans(chile):
    plans = list(chile.action_plans.order_by("submission_year"))
    assert [p.submission_year for p in plans] == [2012, 2014, 2016, 2018]
    assert chile.code == "CHL"
    assert chile.region == "Americas"


def test_seed_has_62_commitments_and_three_starred(chile):
    assert Commitment.objects.for_member(chile).count() == 62
    starred = set(Commitment.objects.filter(starred=True).values_list("identifier", flat=True))
    assert starred == {"CL0015", "CL0020", "CL0031"}


def test_seed_places_each_commitment_in_the_plan_of_its_year(chile):
    assert Commitment.objects.get(identifier="CL0001").action_plan.submission_year == 2012
    assert Commitment.objects.get(identifier="CL0031").action_plan.submission_year == 2014
    assert Commitment.objects.get(identifier="CL0062").action_plan.submission_year == 2018
    assert Commitment.objects.get(identifier="CL0062").policy_areas.get().name == "E-Government"


def test_seed_cl0050_in_full(chile):
    cl0050 = Commitment.objects.get(identifier="CL0050")
    assert cl0050.title.startswith("Institutionalizing the Alliance for Open Government in Chile")
    assert cl0050.action_plan.title == "Chile Action Plan 2016-2018"
    assert cl0050.action_plan.cycle == 2016
    assert cl0050.status == Commitment.Status.INACTIVE
    assert cl0050.lead_institution.name == "Ministerio Secretaría General de la Presidencia"
    assert [i.name for i in cl0050.supporting_institutions.all()] == [
        "Organizaciones de la Sociedad Civil en la Mesa de Trabajo de OGP en Chile"]
    assert sorted(p.name for p in cl0050.policy_areas.all()) == ["Legislature", "OGP", "Public Participation"]
    assert cl0050.problem.startswith("Este compromiso apunta a resolver la falta de un espacio formal")
    assert cl0050.ambition.startswith("Se espera que una vez cumplido este compromiso")
    assert len(cl0050.description_sections) == 6
    assert cl0050.ogp_values == ["access to information", "civic participation"]
    assert cl0050.carried_forward == YesNo.NO
    assert cl0050.start_date == datetime.date(2016, 9, 1) and cl0050.start_date_text == "septiembre 2016"
    assert cl0050.end_date_text == "junio 2018"
    assert not cl0050.starred


def test_seed_cl0050_milestones_in_order(chile):
    milestones = list(Commitment.objects.get(identifier="CL0050").milestones.all())
    assert [m.text for m in milestones] == [
        "Diseño de la Secretaría Ejecutiva",
        "Formalización",
        "Monitoreo del tercer Plan de Acción",
        "Elaboración y difusión de reportes de seguimiento (2 reportes)",
        "Elaboración del cuarto Plan de Acción (diseño e implementación)",
    ]


def test_seed_cl0050_irm_findings(chile):
    cl0050 = Commitment.objects.get(identifier="CL0050")
    mid = cl0050.assessments.mid_term().get()
    end = cl0050.assessments.end_of_term().get()
    assert mid.report.title == "Chile Mid-Term Report 2016-2018"
    assert mid.completion == Completion.LIMITED
    assert mid.narrative.startswith("El cumplimiento de medio término se consideró limitado")
    assert end.report.kind == IRMReport.Kind.END_OF_TERM
    assert end.completion == Completion.SUBSTANTIAL
    assert end.change_in_completion == ChangeInCompletion.INCREASE
    assert end.open_government_access_to_information == OpenGovernment.MARGINAL
    assert end.open_government_civic_participation == OpenGovernment.MAJOR
    assert end.verifiable == YesNo.YES
    assert end.report.researcher.startswith("Álvaro Ramírez")
    assert end.carried_forward_narrative == "El IV Plan de Acción de Chile no incorpora este compromiso."


def test_seed_cl0050_sources_are_links(chile):
    sources = list(Commitment.objects.get(identifier="CL0050").sources.all())
    assert [s.footnote for s in sources] == list(range(110, 118))
    assert sources[1].url == "http://www.ogp.gob.cl/es/mesa-de-trabajo/"
    assert sources[2].url == ""  # "Invitación y programa" has no address on the page


@pytest.mark.django_db
def test_loading_the_seed_twice_changes_nothing(chile):
    from django.core.management import call_command

    call_command("loaddata", "chile", verbosity=0)
    assert Commitment.objects.count() == 62

"""The API's writes (token-authenticated staff), through commitments/services.py like the staff pages.

PATCH /api/v1/commitments/<identifier>/ and /api/v1/milestones/<id>/ take JSON: the fields to
change, the public `note` the change needs, and the `version` of the commitment the client read.
services.commitment_update applies the edit rule (permissions, note, version claim, history), so a
write here is one like any other in the timeline and the feeds. Refusals answer JSON in the shape of
the API's other errors, {"detail": ..., "errors": {field: [reasons]}}:
400 (bad body), 401 (no or bad token), 403 (not the caller's member), 404, 409 (stale version).
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings

from api import params
from api.authentication import BearerTokenAuthentication
from commitments import permissions, services
from commitments.forms import NOTE_MAX_LENGTH
from commitments.models import EVIDENCE_MAX_LENGTH, Commitment, Milestone
from commitments.validators import INTEGER_MAX, validate_link, validate_text
from reviews.scales import Completion

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
BODY = "body"
END_BEFORE_START = gettext_lazy("The end date must not be before the start date.")
ONLY_COMPLETE_MET = gettext_lazy("Only a complete milestone has a date met: send \"status\": \"complete\" "
                                 "with it, or leave it out.")


class StrictCharField(serializers.CharField):
    """A JSON string: DRF's CharField would also take 12 or 1.5 and store their text. JSON may also
    escape half a character ("\\ud800"), which no database stores: refused too."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            data.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: not "3", 3.0 or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """A JSON string YYYY-MM-DD, or null to clear the date."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(data)


class JSONBodyParser(JSONParser):
    """DRF's JSON parser, with a body nested deeper than Python's decoder recurses ("[[[[…") refused
    as malformed (400) like any other: json raises RecursionError there, which DRF lets through (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise exceptions.ParseError(f"JSON parse error - {error}") from None


# validators.validate_text's rule as JSON Schema says it: no control character but tab and line
# breaks (a carriage return is stored as a newline), and, the text being trimmed, one that shows.
# With the noncharacters validate_text refuses too (the Basic Multilingual Plane's: a pattern cannot
# name the other planes' without the u flag, which JSON Schema's regular expressions do not take).
CONTROL = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufdd0-\ufdef\ufffe\uffff"
NOTE_PATTERN = rf"^[^{CONTROL}]*[^{CONTROL}\s][^{CONTROL}]*$"


@extend_schema_field({"type": "string", "minLength": 1, "maxLength": NOTE_MAX_LENGTH,
                      "pattern": NOTE_PATTERN})
class NoteField(StrictCharField):
    """The change's public note: required, not blank, a text the history can hold."""


# The links a write takes, as a pattern: http(s), a host name with its top-level domain, an optional
# port, then any text but controls and spaces. What validators.validate_link and the history's URL
# field (services.evidence_errors) both accept, so a client that follows the schema is never refused;
# they accept a few forms more (an IP address, localhost), which the schema does not promise.
# (Empty is the other choice drf-spectacular states for a field that may be blank.)
LINK_PATTERN = (r"^[Hh][Tt][Tt][Pp][Ss]?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
                rf"(?::[1-9][0-9]{{0,3}})?(?:[/?#][^{CONTROL}\s]*)?$")


@extend_schema_field({"type": "string", "pattern": LINK_PATTERN})
class LinkField(StrictCharField):
    """An http(s) link (or empty, for none, where the field allows it)."""


class _Write(serializers.Serializer):
    """What every write carries: the version read and the public note."""

    version = StrictIntegerField(
        min_value=1, max_value=INTEGER_MAX,
        help_text="The commitment's `version` as the client read it (a milestone: its commitment's). Another "
                  "answers 409 with the version now (and, if saved since, what changed).")
    note = NoteField(
        max_length=NOTE_MAX_LENGTH, validators=[validate_text],
        error_messages={"required": services.NOTE_REQUIRED_MESSAGE, "blank": services.NOTE_REQUIRED_MESSAGE},
        help_text="Why the change is made: public, shown in the commitment's history and feeds. No control "
                  "characters but tab and line breaks.")
    start_date = StrictDateField(required=False, allow_null=True)
    end_date = StrictDateField(required=False, allow_null=True,
                               help_text="Not before the start date (the one sent, else the saved one).")

    def validate(self, data):
        # Checked against the saved dates when only one is sent; the database holds the same rule.
        start = data.get("start_date", self.instance.start_date)
        end = data.get("end_date", self.instance.end_date)
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": [END_BEFORE_START]})
        return data


# The evidence for a change, kept on its history record beside the note; services.evidence_errors
# says which links it takes.
EVIDENCE_HELP = "An http(s) link to the evidence for this change, shown beside the note in the history."


class CommitmentPatch(_Write):
    """PATCH /api/v1/commitments/<identifier>/: only the fields sent change."""

    status = serializers.ChoiceField(choices=Commitment.Status.choices, required=False)
    evidence_url = LinkField(required=False, default="", allow_blank=True, max_length=EVIDENCE_MAX_LENGTH,
                             help_text=EVIDENCE_HELP)


class MilestonePatch(_Write):
    """PATCH /api/v1/milestones/<id>/: only the fields sent change."""

    status = serializers.ChoiceField(choices=Completion.choices, required=False)
    evidence_url = LinkField(
        required=False, allow_blank=True, max_length=Milestone._meta.get_field("evidence_url").max_length,
        validators=[validate_link], help_text="The milestone's own link to the evidence of its progress "
                                              "(its means of verification); empty to remove it.")
    completed_on = StrictDateField(
        required=False, allow_null=True,
        help_text="The date the milestone was met, never after today; only with \"status\": \"complete\" "
                  "in the same body. When its status becomes complete and none is sent: today while today "
                  "lies within its action plan's years, else 400 asking for it. Cleared when it leaves "
                  "complete.")
    change_evidence_url = LinkField(required=False, default="", allow_blank=True,
                                    max_length=EVIDENCE_MAX_LENGTH, help_text=EVIDENCE_HELP)
    # The rule below as the schema states it (WriteSchema): a date met (not null) comes with
    # "status": "complete" in the same body.
    # (Patterns and `not`, not enums: drf-spectacular would hoist an enum into a component of its own.)
    schema_rules = {"anyOf": [
        {"properties": {"completed_on": {"not": {"type": "string"}}}},
        {"required": ["status"],
         "properties": {"status": {"type": "string", "pattern": f"^{Completion.COMPLETE}$"}}},
    ]}

    def validate(self, data):
        # services.with_completion clears the date of a milestone not complete: a date sent with
        # another status would be dropped and the write answered "nothing changed", so it is named.
        # The status is sent with it, as the schema says, even when the milestone is complete now.
        if data.get("completed_on") and data.get("status") != Completion.COMPLETE:
            raise serializers.ValidationError({"completed_on": [ONLY_COMPLETE_MET]})
        return super().validate(data)


class MilestoneOut(serializers.ModelSerializer):
    """A milestone as the write answers it, with its commitment's new version."""

    commitment = serializers.SlugRelatedField(slug_field="identifier", read_only=True)
    version = serializers.IntegerField(source="commitment.version", read_only=True)
    commitment_url = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "commitment", "commitment_url", "version", "order", "text", "status", "start_date",
                  "end_date", "completed_on", "evidence_url"]

    def get_commitment_url(self, milestone) -> str:
        return reverse("api:commitment-detail", args=[milestone.commitment.identifier],
                       request=self.context.get("request"))


class ErrorBody(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ChangeOut(serializers.Serializer):
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class EntryOut(serializers.Serializer):
    """One entry of the public history (commitments/history.py Entry)."""

    when = serializers.DateTimeField()
    author = serializers.CharField()
    subject = serializers.CharField()
    note = serializers.CharField()
    kind = serializers.CharField()
    removed = serializers.BooleanField()
    url = serializers.CharField()
    changes = ChangeOut(many=True)


class ConflictBody(ErrorBody):
    version = serializers.IntegerField(help_text="The version saved now: read again, then retry.")
    changes = EntryOut(many=True, help_text="What was saved since the version sent, newest first.")


class WriteSchema(AutoSchema):
    """The PATCH operations' bodies in the OpenAPI schema: the request, the answer, every refusal."""

    def get_request_serializer(self):
        if self.method == "PATCH":
            return self.view.patch_serializer_class
        return super().get_request_serializer()

    def resolve_serializer(self, serializer, direction, bypass_extensions=False):
        # The body is validated whole, not as DRF's partial update (WriteMixin.validated_body): its
        # required fields (version, note) are required in the schema too, where drf-spectacular's
        # "Patched" component would mark none; and a field it does not name is refused (400).
        if direction == "request" and self.method == "PATCH":
            serializer = force_instance(serializer)
            serializer.partial = False
        component = super().resolve_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and self.method == "PATCH" and component.schema:
            component.schema["additionalProperties"] = False
            component.schema.update(getattr(serializer, "schema_rules", {}))
        return component

    def get_response_serializers(self):
        if self.method != "PATCH":
            return super().get_response_serializers()
        return {"200": super().get_response_serializers(), "400": ErrorBody, "401": ErrorBody,
                "403": ErrorBody, "404": ErrorBody, "409": ConflictBody}


def _refusal(detail, errors, code=status.HTTP_400_BAD_REQUEST, **more) -> Response:
    return Response({"detail": str(detail), "errors": errors, **more}, status=code)


def _invalid(errors) -> Response:
    names = ", ".join(sorted(errors))
    return _refusal(_("The request was refused: see %(fields)s.") % {"fields": names}, errors)


def _service_errors(error: DjangoValidationError, names: dict) -> dict:
    """A service's ValidationError by the API's field names (`milestone-12-note` is `note` here)."""
    if not hasattr(error, "error_dict"):
        return {NON_FIELD: [str(message) for message in error.messages]}
    errors = {}
    for key, messages in error.message_dict.items():
        name = key.rpartition("-")[2] if key.startswith("milestone-") else key
        name = names.get(name, name)
        errors.setdefault(NON_FIELD if name == NON_FIELD_ERRORS else name, []).extend(messages)
    return errors


class WriteMixin:
    """Bearer-token authentication and JSON bodies for PATCH; the other methods stay as they are."""

    authentication_classes = [BearerTokenAuthentication]
    parser_classes = [JSONBodyParser]
    schema = WriteSchema()

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [IsAuthenticated()]
        return super().get_permissions()

    def validated_body(self, serializer_class, instance):
        """(validated data, None), or (None, the 400 response) for a body that is not one."""
        try:
            body = self.request.data
        except exceptions.ParseError as error:
            return None, _refusal(error.detail, {BODY: [str(error.detail)]})
        if not isinstance(body, dict):
            return None, _invalid({BODY: [_("The body must be a JSON object.")]})
        serializer = serializer_class(instance, data=body)
        fields = set(serializer.fields)
        unknown = {}
        for name in sorted(set(body) - fields, key=str):
            # The IRM's (permissions.IRM_NAMES): never through these endpoints, whoever asks; named
            # in the refusal so a client knows it is not a typo.
            if permissions.is_irms(str(name)):
                unknown[name] = [_("This is the IRM's: only IRM reviewers record it, in the IRM's reports "
                                   "and assessments, never through this endpoint.")]
            else:
                unknown[name] = [_("Unknown field: this endpoint writes %(fields)s.")
                                 % {"fields": ", ".join(sorted(fields))}]
        valid = serializer.is_valid()
        errors = {**(serializer.errors if not valid else {}), **unknown}
        if errors:
            return None, _invalid(errors)
        return serializer.validated_data, None

    @staticmethod
    def refused_version(refused: services.VersionRefused) -> Response:
        """The service's refusal of the version sent, 409 with the version to read again: what changed
        meanwhile for a stale one, nothing for one the commitment never reached. The body's schema
        took the version (a whole number from 1: the serializer refuses anything else with 400); that
        it is not the commitment's own is a conflict with the commitment's state, which no schema states."""
        if not isinstance(refused, services.StaleEdit):
            return _refusal(refused.detail, {"version": [refused.detail]}, code=refused.status,
                            version=refused.commitment.version, changes=[])
        return _refusal(refused.message, {"version": [refused.detail]}, code=refused.status,
                        version=refused.current, changes=EntryOut(refused.changes, many=True).data)

    def write(self, commitment, data, milestone=None):
        """The edit through services.commitment_update; None when saved, else the refusal."""
        evidence = "evidence_url" if milestone is None else "change_evidence_url"  # the change's, not a value
        values = {name: value for name, value in data.items() if name not in ("version", "note", evidence)}
        if milestone is None:
            arguments = {"data": values, "note": data["note"], "evidence_url": data["evidence_url"]}
            names = {services.EVIDENCE_ERROR_KEY: "evidence_url"}
        else:
            change = services.MilestoneChange(milestone=milestone, data=values, note=data["note"],
                                              evidence_url=data["change_evidence_url"])
            arguments = {"data": {}, "note": "", "milestones": [change]}
            names = {}
        try:
            # The version before anything else, as on the staff page; a client that claims the
            # version between the check and the save is refused by the save (StaleEdit) alike.
            services.check_version(commitment, data["version"])
            services.commitment_update(commitment=commitment, user=self.request.user,
                                       expected_version=data["version"], **arguments)
        except services.VersionRefused as refused:
            return self.refused_version(refused)
        except DjangoValidationError as error:
            if getattr(error, "code", None) == services.NOTHING_CHANGED:
                # A body that asks for what the record holds already is done, not wrong: 200 with the
                # record unchanged (same version, no history). No schema can say "differs from now".
                return None
            return _invalid(_service_errors(error, names))
        return None


def _may_edit(user, commitment) -> None:
    """403 before the body is read: a client learns nothing of a commitment it may not edit."""
    if not permissions.can_edit_commitment(user, commitment):
        raise exceptions.PermissionDenied(permissions.refusal_reason(user, commitment.action_plan.member))


class CommitmentWrites(WriteMixin):
    """Mixed into api.views.CommitmentDetail: its PATCH."""

    patch_serializer_class = CommitmentPatch

    def patch(self, request, *args, **kwargs):
        commitment = get_object_or_404(Commitment.objects.select_related("action_plan__member"),
                                       identifier=kwargs["identifier"])
        _may_edit(request.user, commitment)
        data, refusal = self.validated_body(CommitmentPatch, commitment)
        refusal = refusal or self.write(commitment, data)
        if refusal is not None:
            return refusal
        # The body is the detail as a GET of the view answers it (api/views.py), read again after the
        # write: the view's get, which serialises the whole record (its retrieve would not).
        return self.get(request, *args, **kwargs)


class MilestoneWrite(WriteMixin, generics.GenericAPIView):
    """PATCH /api/v1/milestones/<id>/: a milestone's status, dates and evidence link, with a note."""

    queryset = Milestone.objects.select_related("commitment__action_plan__member")
    serializer_class = MilestoneOut
    patch_serializer_class = MilestonePatch
    http_method_names = ["patch", "options"]

    @extend_schema(parameters=params.ID_PARAMETERS)
    def patch(self, request, pk):
        milestone = get_object_or_404(self.get_queryset(), pk=pk)
        commitment = milestone.commitment
        _may_edit(request.user, commitment)
        data, refusal = self.validated_body(MilestonePatch, milestone)
        refusal = refusal or self.write(commitment, data, milestone=milestone)
        if refusal is not None:
            return refusal
        milestone = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(milestone).data)


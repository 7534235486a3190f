"""Admin autocomplete widgets that survive a posted id that is not an id.

Django's autocomplete widgets, re-rendering a bound form, filter the related model by the raw
posted values; a value like "<script>" then raises ValueError inside the template (a 500)
instead of the form's own "Select a valid choice" error. These widgets leave such values out of
the rendering; the form field still rejects them. They also give select2's box the field's name.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple


class _KeepsOnlyValidIds:
    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        target = remote.model._meta.get_field(getattr(remote, "field_name", None)
                                              or remote.model._meta.pk.name)
        return super().optgroups(name, [v for v in value if _is_valid(target, v)], attr)


def _is_valid(target, value) -> bool:
    try:
        target.get_prep_value(target.to_python(value))
    except Exception:  # noqa: BLE001 - any value the field cannot read is left out
        return False
    return True


class _NamedBox:
    """Select2 draws its own box beside the select and names it from nothing: an empty field's box had
    no accessible name (axe: aria-input-field-name). The script names each box after its field."""

    @property
    def media(self):
        # Listed after the scripts it follows, so the merged media keep it after them.
        return super().media + forms.Media(js=["admin/js/jquery.init.js", "admin/js/autocomplete.js",
                                               "js/admin_autocomplete_names.js"])


class SafeAutocompleteSelect(_KeepsOnlyValidIds, _NamedBox, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_KeepsOnlyValidIds, _NamedBox, AutocompleteSelectMultiple):
    pass


class SafeAutocompleteAdmin:
    """For ModelAdmins and inlines: their autocomplete_fields use the widgets above."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site,
                                                              using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

"""Django's cached template loader, with the project's constant tags rendered once per language.

A page's {% translate "…" %}, {% static '…' %} and {% url '…' %} tags with constant arguments
give the same text on every request in a language, yet each costs a gettext lookup, a manifest
lookup or a reverse() every time: on the commitment list, 40 of them were half the template's
time. This loader keeps one compiled template per language (and URL prefix), in which those
tags of the project's own templates (the DIRS, not the apps') are replaced by the text they
render, so a page renders exactly as before with fewer nodes.

Nothing that depends on the request or the data is folded: tags with a variable, a filter, an
"as" or a context, tags inside {% autoescape %} or {% language %} (they render under another
setting), and admin URLs (they depend on the admin site being visited) are left to render.
"""

from django.template import Context
from django.template.base import NodeList, TextNode, TokenType
from django.template.defaulttags import AutoEscapeControlNode, IfNode, URLNode
from django.template.loaders import cached, filesystem
from django.template.loaders.base import Loader as BaseLoader
from django.templatetags.i18n import BlockTranslateNode, LanguageNode, TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language


class FoldingBase(BaseLoader):
    """Between the cached loader and the base loader: folds each template once, as it is compiled."""

    def get_template(self, template_name, skip=None):
        template = super().get_template(template_name, skip)
        # The DIRS' loader exactly: the apps' loader (admin and other packages) is a subclass.
        if type(template.origin.loader) is filesystem.Loader:
            fold_constants(template.nodelist, template)
        return template


class Loader(cached.Loader, FoldingBase):
    """Use in TEMPLATES' "loaders" in place of django.template.loaders.cached.Loader."""

    def cache_key(self, template_name, skip=None):
        # What a folded tag's text depends on: the language, and where the site's URLs start.
        key = super().cache_key(template_name, skip)
        return f"{key}|{get_language()}|{get_script_prefix()}|{get_urlconf()}"


def fold_constants(nodelist: NodeList, template) -> None:
    """Replace, in place, the constant tags of a node list and of the node lists within it."""
    folded = []
    for node in nodelist:
        text = _constant_text(node, template)
        if text is None:
            _fold_children(node, template)
            folded.append(node)
            continue
        if folded and type(folded[-1]) is TextNode:
            merged = TextNode(folded[-1].s + text)
            merged.origin, merged.token = folded[-1].origin, folded[-1].token
            folded[-1] = merged
        else:
            replacement = TextNode(text)
            replacement.origin, replacement.token = node.origin, node.token
            folded.append(replacement)
    nodelist[:] = folded


def _fold_children(node, template) -> None:
    if isinstance(node, (AutoEscapeControlNode, LanguageNode)):
        return
    if isinstance(node, IfNode):  # its node lists are in conditions_nodelists, not child_nodelists
        for _condition, nodelist in node.conditions_nodelists:
            fold_constants(nodelist, template)
        return
    for name in node.child_nodelists:
        nodelist = getattr(node, name, None)
        if isinstance(nodelist, NodeList):
            fold_constants(nodelist, template)


def _constant_text(node, template) -> str | None:
    """The text a constant tag renders (in the active language), or None if it is not constant."""
    if type(node) is TextNode:
        return node.s
    if not _is_constant(node):
        return None
    context = Context(autoescape=template.engine.autoescape)
    context.template = template
    try:
        return str(node.render(context))
    except Exception:  # noqa: BLE001 - it will raise, or not, as before, when the page renders
        return None


def _is_constant(node) -> bool:
    if type(node) is TranslateNode:
        return (not node.noop and node.asvar is None and node.message_context is None
                and _literal(node.filter_expression))
    if type(node) is BlockTranslateNode:
        return (not node.extra_context and not node.plural and node.countervar is None
                and node.message_context is None and node.asvar is None
                and all(token.token_type is TokenType.TEXT for token in node.singular))
    if type(node) is StaticNode:
        return node.varname is None and _literal(node.path)
    if type(node) is URLNode:
        return (node.asvar is None and _literal(node.view_name)
                and not str(node.view_name.var).startswith("admin:")
                and all(_literal(arg) for arg in node.args)
                and all(_literal(arg) for arg in node.kwargs.values()))
    return False


def _literal(expression) -> bool:
    """A filter expression that is a quoted string or a number, with no filter."""
    if expression.filters:
        return False
    var = expression.var
    return getattr(var, "lookups", None) is None and not getattr(var, "message_context", None)

"""The follow pages: the request (same answer whatever the address's state), confirm, unsubscribe."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from . import limits, links, services
from .forms import FollowForm, resolve
from .models import Subscription


@require_http_methods(["GET", "POST"])
def follow(request):
    """GET: the form alone (for a target given in the query string); POST: ask to follow.

    Over the per-client limit: 429 (it is about this client's own requests and tells a real person
    why nothing comes). Over the per-address limit, pending or already following: the same "check
    your inbox" page as a first request, so nobody learns anything about an address they typed.
    """
    if request.method == "POST":
        if not limits.client_allowed(request):
            return render(request, "follow/too_many.html", status=429)
        form = FollowForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            if limits.address_allowed(data["email"]):
                services.follow_request(email=data["email"], target=data["target"], member=data["member"],
                                        commitment=data["commitment"], language=translation.get_language())
            query = {"target": data["target"], "key": data["key"]} if data["target"] != "site" else {}
            # 303: the browser fetches the answer with GET, so reloading it sends nothing again.
            response = HttpResponseRedirect(f"{reverse('follow:sent')}?{urlencode(query)}".rstrip("?"))
            response.status_code = 303
            return response
        status = 400
    else:
        target, key = request.GET.get("target", "site"), request.GET.get("key", "")
        found, member, commitment = resolve(target, key)
        if not found:
            raise Http404("Nothing to follow here.")
        form = FollowForm(initial={"target": target, "key": key})
        status = 200
    return render(request, "follow/follow.html", {"form": form, "followed": _followed_name(form)},
                  status=status)


def _followed_name(form) -> str:
    """The name of what the form follows, when it names something that exists."""
    found, member, commitment = resolve(form["target"].value(), form["key"].value() or "")
    if not found:
        return ""
    return Subscription(target=form["target"].value(), member=member, commitment=commitment).followed_name


@require_GET
def sent(request):
    back = _back(request.GET.get("target"), request.GET.get("key"))
    return render(request, "follow/sent.html", {"back": back})


def _back(target, key) -> str:
    """The followed page to go back to, from the query string (checked: only a page of the site)."""
    found, member, commitment = resolve(target or "site", key or "")
    return Subscription(target=target, member=member, commitment=commitment).page if found else "/"


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET: a button (mail scanners follow links; only a person's click confirms); POST: confirm."""
    genuine, subscription = links.subscription_of(token, links.CONFIRM)
    if not genuine:
        return render(request, "follow/bad_link.html", status=400)
    if subscription is None:
        return render(request, "follow/link_used.html", status=410)
    if subscription.confirmed_at is not None:
        return render(request, "follow/confirmed.html", {"subscription": subscription, "again": True})
    if subscription.confirmation_expired():
        return render(request, "follow/expired.html", {"subscription": subscription}, status=410)
    if request.method == "POST":
        services.confirm(subscription)
        return render(request, "follow/confirmed.html", {"subscription": subscription})
    return render(request, "follow/confirm.html", {"subscription": subscription})


@csrf_exempt  # RFC 8058: a mail program's one-click POST carries no CSRF token; the signed link is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET: a button; POST (the button, or a mail program's List-Unsubscribe-Post): unsubscribe."""
    genuine, subscription = links.subscription_of(token, links.UNSUBSCRIBE)
    if not genuine:
        return render(request, "follow/bad_link.html", status=400)
    if subscription is None:
        return render(request, "follow/unsubscribed.html", {"already": True})
    if request.method == "POST":
        services.unsubscribe(subscription)
        return render(request, "follow/unsubscribed.html", {"followed": subscription.followed_name,
                                                            "page": subscription.page})
    return render(request, "follow/unsubscribe.html", {"subscription": subscription})

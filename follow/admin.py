"""Subscriptions in the admin: looked up, and removed when an address asks; never created there (only
the address's owner confirms)."""

from django.contrib import admin

from .models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "target", "member", "commitment", "language", "requested_at", "confirmed_at",
                    "last_digest_at", "digests_sent")
    list_filter = ("target", "language", ("confirmed_at", admin.EmptyFieldListFilter))
    search_fields = ("email",)
    list_select_related = ("member", "commitment")
    # Every field but the key of its signed links, which would let whoever reads the page use them.
    fields = readonly_fields = [field.name for field in Subscription._meta.fields if field.name != "key"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

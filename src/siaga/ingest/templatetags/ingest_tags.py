"""Template helpers of the device gateway: may the page show the device-alert strip?"""

from django import template

from siaga.core.permissions import role_allows

register = template.Library()


@register.filter
def may_see_device_alerts(user) -> bool:
    return role_allows(user, "ingest.devicealert", "view")


@register.filter
def may_handle_device_alerts(user) -> bool:
    return role_allows(user, "ingest.devicealert", "change")

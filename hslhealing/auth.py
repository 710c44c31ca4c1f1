"""
Sign-in throttling with django-axes.

`LoginThrottleBackend` comes first in `AUTHENTICATION_BACKENDS`: it refuses a user name and
address pair that has failed too often, and lets Django's `ModelBackend` check the password
otherwise. `client_ip` tells axes which address a sign-in came from.
"""

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lockout check for every sign-in that comes with a web request.

    Axes raises an error when `authenticate()` has no request. Such calls come from code, never
    from a visitor (the test client's `login()`, a management command), so there is nothing
    to throttle: the next backend decides alone.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request):
    """The visitor's address: `REMOTE_ADDR`, or with `TRUSTED_PROXY_COUNT` reverse proxies in
    front, the address the outermost proxy added to `X-Forwarded-For`."""
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if len(addresses) >= count:
            return addresses[-count]
    return request.META.get("REMOTE_ADDR")

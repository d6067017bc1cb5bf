"""Uploaded files, one folder per association (MEDIA_ROOT/<schema>/)."""

import os

from django.conf import settings
from django_tenants.files.storage import TenantFileSystemStorage


class AssociationFileStorage(TenantFileSystemStorage):
    """django-tenants' storage, reading MEDIA_ROOT each time.

    Its own copy caches MEDIA_ROOT for the life of the process and misses a changed setting
    (its cache-clearing hook passes the wrong argument), which put files in a stale folder.
    """

    @property
    def relative_media_root(self) -> str:
        return os.path.join(settings.MEDIA_ROOT, settings.MULTITENANT_RELATIVE_MEDIA_ROOT)

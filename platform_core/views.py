from django.shortcuts import render

from platform_core.billing.services import plans_public


def platform_home(request):
    return render(request, "platform/home.html", {"plans": plans_public()})

from django.shortcuts import render

from billing.services import plans_public


def platform_home(request):
    return render(request, "platform/home.html", {"plans": plans_public()})

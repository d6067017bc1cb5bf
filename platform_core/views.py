from django.shortcuts import render


def platform_home(request):
    return render(request, "platform/home.html")

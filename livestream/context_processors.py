from django.conf import settings


def site(request):
    return {"DISPLAY_TIME_ZONE": settings.DISPLAY_TIME_ZONE}

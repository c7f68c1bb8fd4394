from django.http import JsonResponse
from django.urls import path


def services(request):
    return JsonResponse([{"service_code": "exemple"}], safe=False)


urlpatterns = [path("services.json", services, name="sample_v2_services")]

from django.shortcuts import render
from django.urls import path

app_name = "sample"


def index(request):
    return render(request, "sample/index.html")


urlpatterns = [path("", index, name="index")]

from django.urls import path

from . import views

app_name = "budget"

urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.campaign_detail, name="campaign"),
    path("<slug:slug>/projets/", views.project_list, name="projects"),
    path("<slug:slug>/projets/carte.geojson", views.projects_geojson, name="projects_geojson"),
    path("<slug:slug>/projets/<int:pk>/", views.project_detail, name="project"),
    path("<slug:slug>/projets/<int:pk>/modifier/", views.idea_edit, name="idea_edit"),
    path("<slug:slug>/projets/<int:pk>/scinder/", views.split, name="split"),
    path("<slug:slug>/projets/<int:pk>/soutenir/", views.project_support, name="support"),
    path("<slug:slug>/projets/<int:pk>/commenter/", views.project_comment, name="comment"),
    path("<slug:slug>/projets/<int:pk>/suivi/", views.followup_add, name="followup_add"),
    path("<slug:slug>/deposer/", views.idea_create, name="idea_create"),
    path("<slug:slug>/voter/", views.vote_home, name="vote"),
    path("<slug:slug>/voter/arrondissement/", views.district_choose, name="district_choose"),
    path("<slug:slug>/voter/<slug:envelope_slug>/", views.ballot, name="ballot"),
    path("<slug:slug>/voter/<slug:envelope_slug>/resume/", views.ballot_summary, name="ballot_summary"),
    path("<slug:slug>/resultats/", views.results, name="results"),
    path("<slug:slug>/resultats/calculer/", views.results_compute, name="results_compute"),
    path("<slug:slug>/resultats/<slug:envelope_slug>/decision/", views.override, name="override"),
    path("<slug:slug>/resultats/<slug:envelope_slug>.pb", views.pabulib_download, name="pabulib"),
    path("<slug:slug>/papier/<slug:envelope_slug>/", views.paper_entry, name="paper"),
    path("<slug:slug>/etude/", views.review_queue, name="review_queue"),
    path("<slug:slug>/etude/actions/", views.review_action, name="review_action"),
    path("<slug:slug>/etude/<int:pk>/", views.review, name="review"),
    path("<slug:slug>/suivi/", views.followup_map, name="followup"),
    path("<slug:slug>/inclusion/", views.inclusion, name="inclusion"),
]

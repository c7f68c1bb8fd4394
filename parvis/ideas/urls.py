from django.urls import path

from . import views

app_name = "ideas"

urlpatterns = [
    path("", views.index, name="index"),
    path("moderation/", views.moderation, name="moderation"),
    path("moderation/<str:kind>/<int:pk>/", views.moderation_decide, name="moderation_decide"),
    path("idee/<int:pk>/", views.idea_detail, name="idea"),
    path("idee/<int:pk>/modifier/", views.idea_edit, name="idea_edit"),
    path("idee/<int:pk>/soutenir/", views.idea_support, name="idea_support"),
    path("idee/<int:pk>/suivre/", views.idea_follow, name="idea_follow"),
    path("idee/<int:pk>/commenter/", views.comment_create, name="comment_create"),
    path("idee/<int:pk>/repondre/", views.idea_answer, name="idea_answer"),
    path("commentaire/<int:pk>/modifier/", views.comment_edit, name="comment_edit"),
    path("commentaire/<int:pk>/supprimer/", views.comment_delete, name="comment_delete"),
    path("affirmation/<int:pk>/voter/", views.statement_vote, name="statement_vote"),
    path("<slug:slug>/", views.consultation, name="consultation"),
    path("<slug:slug>/proposer/", views.idea_create, name="idea_create"),
    path("<slug:slug>/resultats/", views.results, name="results"),
    path("<slug:slug>/idees.geojson", views.consultation_geojson, name="geojson"),
    path("<slug:slug>/export.<str:fmt>", views.export, name="export"),
    path("<slug:slug>/carte-des-opinions/", views.opinion, name="opinion"),
    path("<slug:slug>/carte-des-opinions/proposer/", views.statement_create, name="statement_create"),
]

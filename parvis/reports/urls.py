from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("carte.geojson", views.map_geojson, name="map_geojson"),
    path("export.<str:fmt>", views.export, name="export"),
    path("nouveau/", views.category_pick, name="new"),
    path("nouveau/categories.json", views.search_categories, name="category_search"),
    path("nouveau/<slug:code>/", views.report_new, name="new_in"),
    path("nouveau/<slug:code>/doublons/", views.duplicates_partial, name="duplicates"),
    path("confirmer/<str:token>/", views.report_confirm, name="confirm"),
    path("suivi/<str:token>/", views.report_followup, name="followup"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/suivre/", views.report_follow, name="follow"),
    path("<int:pk>/merci/", views.report_thank, name="thank"),
    path("<int:pk>/avis/", views.report_feedback, name="feedback"),
    path("agents/", views.agent_queue, name="agent_queue"),
    path("agents/lot/", views.agent_bulk, name="agent_bulk"),
    path("agents/statistiques/", views.agent_stats, name="agent_stats"),
    path("agents/<int:pk>/", views.agent_report, name="manage"),
    path("agents/categories/", views.admin_categories, name="admin_categories"),
    path("agents/categories/<int:pk>/", views.admin_category, name="admin_category"),
    path("campagnes/", views.campaign_list, name="campaigns"),
    path("campagnes/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("campagnes/<slug:slug>/carte.geojson", views.campaign_geojson, name="campaign_geojson"),
    path("campagnes/<slug:slug>/contribuer/", views.campaign_report, name="campaign_report"),
    path("campagnes/<slug:slug>/bilan/", views.campaign_close, name="campaign_close"),
    path("campagnes/<slug:slug>/export.<str:fmt>", views.campaign_export, name="campaign_export"),
    path("campagnes/<slug:slug>/propositions/<int:pk>/soutenir/", views.proposal_support, name="support"),
    path("campagnes/<slug:slug>/propositions/<int:pk>/commenter/", views.proposal_comment, name="comment"),
]

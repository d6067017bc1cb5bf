"""The governance app's pages on an association's host (included at the root)."""

from django.urls import path

from governance import feature_views, views

urlpatterns = [
    path("governance/", views.governance_page, name="governance"),
    path("governance/bylaws.pdf", views.governance_bylaws, name="governance_bylaws"),
    path("app/settings/governance/", views.governance_settings, name="governance_settings"),
    path("app/transparency/", views.transparency, name="transparency"),
    # Conflict of interest: the yearly disclosure and its register.
    path("app/disclosure/", feature_views.disclosure_mine, name="disclosure_mine"),
    path("disclosure/<str:token>/", feature_views.disclosure_board, name="disclosure_board"),
    path("app/disclosures/", feature_views.disclosure_register, name="disclosure_register"),
    path(
        "app/disclosures/export.csv",
        feature_views.disclosure_register_csv,
        name="disclosure_register_csv",
    ),
    path("app/disclosures/board/", feature_views.board_member_add, name="board_member_add"),
    path(
        "app/disclosures/board/<int:board_member_id>/link/",
        feature_views.board_member_link,
        name="board_member_link",
    ),
    path(
        "app/disclosures/board/<int:board_member_id>/remove/",
        feature_views.board_member_remove,
        name="board_member_remove",
    ),
    # Whistleblowing: the public form, the reporter's link, the officers' pages.
    path("whistleblowing/", feature_views.whistleblowing_form, name="whistleblowing"),
    path(
        "whistleblowing/<str:reference>/",
        feature_views.whistleblowing_follow_up,
        name="whistleblowing_follow_up",
    ),
    path(
        "app/whistleblowing/", feature_views.whistleblowing_reports, name="whistleblowing_reports"
    ),
    path(
        "app/whistleblowing/<int:report_id>/",
        feature_views.whistleblowing_report,
        name="whistleblowing_report",
    ),
    path(
        "app/settings/policies/whistleblowing/officers/",
        feature_views.whistleblowing_officers,
        name="whistleblowing_officers",
    ),
]

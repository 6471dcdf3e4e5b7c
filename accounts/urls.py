from django.urls import path

from . import security_views, views

app_name = "accounts"
urlpatterns = [
    path("signin", views.signin, name="signin"),
    path("signin/mfa", views.signin_mfa, name="signin_mfa"),
    path("signout", views.signout, name="signout"),
    path("password", views.new_password, name="new_password"),
    path("security/", security_views.security, name="security"),
    path("security/mfa/start", security_views.mfa_start, name="mfa_start"),
    path("security/mfa/assign", security_views.mfa_assign, name="mfa_assign"),
    path("security/mfa/remove", security_views.mfa_remove, name="mfa_remove"),
    path("security/keys/create", security_views.key_create, name="key_create"),
    path("security/keys/<str:key_id>/status", security_views.key_status, name="key_status"),
    path("security/keys/<str:key_id>/delete", security_views.key_delete, name="key_delete"),
]

from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.generic import RedirectView

from accounts import views as account_views

from .converters import BucketNameConverter
from .views import assets, history, home, s3, s3_delete, sts, switchrole

register_converter(BucketNameConverter, "bucket")

console_patterns = (
    [
        path("", home.home, name="home"),
        path("switchrole", switchrole.switchrole, name="switchrole"),
        path("switchrole/mfa", switchrole.switchrole_mfa, name="switchrole_mfa"),
        path("switchrole/limit", switchrole.switchrole_limit, name="switchrole_limit"),
        path("renew", switchrole.renew, name="renew"),
        path("api/roles", home.api_roles, name="api_roles"),
        path("history/<int:entry_id>/pin", history.pin, name="history_pin"),
        path("history/<int:entry_id>/remove", history.remove, name="history_remove"),
        path("switchback", switchrole.switchback, name="switchback"),
        path("sts/", sts.sts, name="sts"),
        path("s3/", s3.buckets, name="s3_buckets"),
        path("s3/buckets/<bucket:bucket>/", s3.bucket, name="s3_bucket"),
        path("s3/buckets/<bucket:bucket>/download", s3.download, name="s3_download"),
        path("s3/buckets/<bucket:bucket>/upload", s3.upload, name="s3_upload"),
        path("s3/buckets/<bucket:bucket>/delete", s3_delete.delete, name="s3_delete"),
        path("s3/buckets/<bucket:bucket>/object", s3.object_details, name="s3_object"),
        path("s3/buckets/<bucket:bucket>/folder", s3.create_folder, name="s3_create_folder"),
    ],
    "console",
)

urlpatterns = [
    path("", include(console_patterns)),
    path("", include("accounts.urls")),
    path("admin/login/", account_views.admin_login),  # before the admin's own login
    # Django's own password change skips the console's re-authentication (the MFA code too):
    # typed directly, it leads to the console's page instead.
    path("admin/password_change/", RedirectView.as_view(pattern_name="accounts:new_password")),
    path("admin/password_change/done/", RedirectView.as_view(pattern_name="accounts:new_password")),
    path("admin/", admin.site.urls),
    path("favicon.ico", assets.favicon),
]

handler500 = "console.views.errors.server_error"

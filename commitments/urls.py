"""Public URLs: home, commitments, members, action plans."""

app_name = "commitments"

urlpatterns: list = []

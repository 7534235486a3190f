"""Render the public pages and exports of one checkout into a folder, to compare two checkouts.

Usage, from a checkout's folder:  .venv/bin/python scripts/render_pages.py OUT_DIR
then the same from another checkout, and `diff -r` the two folders. A throwaway test database
holds the Chile seed and 300 demo commitments (a fixed seed); every page is rendered in English
and Spanish, without its CSRF tokens and feed dates.
"""

import os
import re
import sys
from io import StringIO

os.environ["DJANGO_SETTINGS_MODULE"] = "ogptracker.settings.test"
sys.path.insert(0, os.getcwd())
import django

django.setup()
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment  # noqa: E402

from commitments.models import Commitment  # noqa: E402

setup_test_environment()
setup_databases(verbosity=0, interactive=False)
call_command("loaddata", "chile", verbosity=0)
call_command("generate_demo_data", commitments=300, seed=5, stdout=StringIO())
c = Client()
big = Commitment.objects.exclude(action_plan__member__slug="chile").order_by("identifier").first()
pages = ["/", "/members/", "/members/chile/", "/members/chile/plans/AP_CHL03/", "/commitments/CL0050/",
         "/commitments/CL0050/?as_of=2017-01-01", f"/commitments/{big.identifier}/",
         f"/members/{big.action_plan.member.slug}/", "/commitments/",
         "/commitments/?member=chile&completion=substantial", "/commitments/?completion=ND&sort=-completion",
         "/commitments/?q=acceso&value=access-to-information",
         "/commitments/?potential_impact=moderate&open_government=major",
         "/members/chile/report/", "/feed/", "/commitments/?progress_disagrees=true&page=2"]
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for lang in ("en", "es"):
    for i, p in enumerate(pages):
        r = c.get(p, HTTP_ACCEPT_LANGUAGE=lang)
        body = r.content.decode()
        body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", body)
        body = re.sub(r"<updated>[^<]+</updated>", "", body)
        open(f"{out}/{lang}-{i:02d}.html", "w").write(f"{r.status_code} {p}\n" + body)
for fmt in ("csv", "json"):
    r = c.get(f"/commitments/export.{fmt}?member=chile")
    open(f"{out}/export.{fmt}", "wb").write(b"".join(r.streaming_content))
print("ok")

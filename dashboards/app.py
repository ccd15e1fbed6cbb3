"""The dashboards' router: `streamlit run dashboards/app.py` (or `emias dashboards`).

Signs the user in (dashboards/auth.py), draws the shared filters, and lists the pages grouped by audience.
Pages a role may not see are still registered, hidden from the menu, so a typed or shared URL reaches the
page and the page itself refuses (`auth.require`).
"""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts this folder, not the project root, on sys.path
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboards import auth, data, filters  # noqa: E402
from dashboards.roles import CHIEF_PHYSICIAN, PAGES, ROLES, home_page, may_see, sees_facilities  # noqa: E402

# Not "pages/": a folder of that name beside the entrypoint puts Streamlit in its legacy multipage mode,
# where a rerun can run a page without this router (seen with AppTest on 1.67).
PAGE_DIR = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="EMIAS city health", layout="wide")

user = auth.current_user()
auth.write_cookie()
if user is None:
    # every page's address leads to the sign-in form, so a shared link opens its page once signed in
    sign_in = [st.Page(auth.sign_in_form, title="Sign in", url_path="sign_in", default=True)]
    sign_in += [st.Page(auth.sign_in_form, title=p.title, url_path=p.key, visibility="hidden") for p in PAGES]
    st.navigation(sign_in, position="hidden").run()
    st.stop()

with st.sidebar:
    try:
        facility = data.facility_profile(user.facility_id)
    except data.NoData:  # no warehouse yet: the page says so
        facility = None
    facility_note = f", {facility['facility_name']}" if facility else ""
    st.caption(f"Signed in as **{user.name}** ({ROLES.get(user.role, user.role)}{facility_note})")
    st.button("Sign out", on_click=auth.sign_out, key="sign_out")

chief = user.role == CHIEF_PHYSICIAN
filters.sidebar(
    fixed_facility=user.facility_id if chief else None, choose_facility=sees_facilities(user.role)
)

pages = {
    spec.key: st.Page(
        PAGE_DIR / f"{spec.key}.py",
        title=spec.title,
        url_path=spec.key,
        visibility="visible" if may_see(user.role, spec.key) else "hidden",
    )
    for spec in PAGES
}


def _home() -> None:
    """The app's root opens the role's first page. (Streamlit serves its default page at the root only, so
    no real page is the default: each keeps its own address, and a link to it works.)"""
    st.switch_page(pages[home_page(user.role)])


sections: dict[str, list] = {}
for spec in PAGES:
    sections.setdefault(spec.section, []).append(pages[spec.key])
sections[PAGES[0].section].insert(
    0, st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden")
)
try:
    st.navigation({section: pages for section, pages in sections.items()}).run()
finally:
    data.release_connection()  # an idle dashboard holds no lock on the warehouse

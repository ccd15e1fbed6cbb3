"""The dashboards' router: `streamlit run dashboards/app.py` (or `emias dashboards`)."""

import sys
from pathlib import Path

import streamlit as st

# `streamlit run` puts this folder, not the project root, on sys.path
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="EMIAS city health", layout="wide")

navigation = st.navigation(
    {
        "Chief physicians": [
            st.Page(
                PAGES / "facility_load.py", title="Facility load", url_path="facility_load", default=True
            ),
        ],
    }
)
navigation.run()

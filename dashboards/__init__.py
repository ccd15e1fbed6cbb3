"""The Streamlit dashboards: `app.py` routes to the pages in `views/`, grouped by audience.

Pages are thin: data comes from the cached readers in `data.py` (which read marts through the warehouse read
API and suppress small cells in one place), figures from the pure builders in `components/`. Roles and
sign-in live in `roles.py`, `auth.py` and `users.py` (`python -m dashboards.users`); see docs/dashboards.md.
"""

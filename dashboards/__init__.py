"""The Streamlit dashboards: `app.py` routes to pages grouped by audience.

Pages are thin: data comes from the cached readers in `data.py` (which read marts through the
warehouse read API, never SQL in a page) and figures from the pure builders in `components/`.
"""

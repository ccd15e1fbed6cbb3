"""Who may see what: the four roles, the pages, and which role may open which page.

Pure data and functions (no Streamlit), so the router, the pages, the tests and the users command share one
answer (docs/dashboards.md "Roles" is the policy). A chief physician sees the facility pages only: their own
facility in detail, peers in aggregate. An epidemiologist sees the registers and the aggregate pages at city
and okrug level: no facility filter, no named facility, no doctor.
"""

from __future__ import annotations

from dataclasses import dataclass

LEADER = "leader"
CHIEF_PHYSICIAN = "chief_physician"
EPIDEMIOLOGIST = "epidemiologist"
ANALYST = "analyst"
ROLES: dict[str, str] = {
    LEADER: "Health-department leader",
    CHIEF_PHYSICIAN: "Chief physician",
    EPIDEMIOLOGIST: "Epidemiologist",
    ANALYST: "Analyst",
}


@dataclass(frozen=True)
class PageSpec:
    key: str  # file name in views/ and url path
    title: str
    section: str  # the audience the menu groups it under
    roles: frozenset[str]


_EVERYONE_BUT_CHIEF = frozenset({LEADER, EPIDEMIOLOGIST, ANALYST})
_FACILITY_ROLES = frozenset({LEADER, CHIEF_PHYSICIAN, ANALYST})
_NAMED_FACILITIES = frozenset({LEADER, ANALYST})

PAGES: tuple[PageSpec, ...] = (
    PageSpec("city_overview", "City overview", "Leaders", _EVERYONE_BUT_CHIEF),
    PageSpec("access", "Access and waiting times", "Leaders", _EVERYONE_BUT_CHIEF),
    PageSpec("capacity", "Capacity", "Leaders", _EVERYONE_BUT_CHIEF),
    PageSpec("costs", "Costs", "Leaders", _EVERYONE_BUT_CHIEF),
    # named hospitals: not for an epidemiologist (no named facility) nor a chief physician (facility pages)
    PageSpec("hospitals", "Hospitals", "Leaders", _NAMED_FACILITIES),
    PageSpec("facility_comparison", "Facility comparison", "Chief physicians", _FACILITY_ROLES),
    PageSpec("facility_load", "Facility load", "Chief physicians", _FACILITY_ROLES),
    PageSpec("disease_registers", "Disease registers", "Epidemiologists", _EVERYONE_BUT_CHIEF),
    PageSpec("prescribing", "Prescribing", "Epidemiologists", _EVERYONE_BUT_CHIEF),
    PageSpec("data_quality", "Data freshness and quality", "Analysts", _EVERYONE_BUT_CHIEF),
)
PAGE_BY_KEY = {p.key: p for p in PAGES}


def may_see(role: str | None, page_key: str) -> bool:
    return role in PAGE_BY_KEY[page_key].roles


def sees_facilities(role: str | None) -> bool:
    """Whether the role sees named facilities and doctors on the aggregate pages (and may filter by one)."""
    return role in _NAMED_FACILITIES


def home_page(role: str) -> str:
    """The first page a role lands on after signing in."""
    return next(p.key for p in PAGES if role in p.roles)

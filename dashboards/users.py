"""Local users of the dashboards (the embedded default): a YAML file of bcrypt-hashed passwords.

The file is $EMIAS_USERS_FILE, else $EMIAS_DATA_DIR/users.yaml. Each user has a role and, for a chief
physician, a facility. The admin command (nothing outside dashboards imports it; `emias` runs it)::

    python -m dashboards.users add NAME --role ROLE [--facility ID] [--password PW]   (prompts if omitted)
    python -m dashboards.users remove NAME
    python -m dashboards.users list
    python -m dashboards.users demo [--facility ID]  # a demo user per role (password "demo"), if none
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import itsdangerous
import yaml

from dashboards.roles import CHIEF_PHYSICIAN, ROLES

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class User:
    name: str
    role: str
    facility_id: int | None = None
    display_name: str | None = None


def users_file() -> Path:
    explicit = os.environ.get("EMIAS_USERS_FILE")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("EMIAS_DATA_DIR", "data")).resolve() / "users.yaml"


def _read(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(content.get("users") or {})


def _write(path: Path, users: dict[str, dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# dashboards users: bcrypt password hashes; edit with `python -m dashboards.users`\n"
    text += yaml.safe_dump({"users": users}, sort_keys=True, allow_unicode=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o600)  # hashes are still secrets worth keeping from other local users
    tmp.replace(path)


def add_user(
    name: str, password: str, role: str, facility_id: int | None = None, *, path: Path | None = None
) -> User:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if role == CHIEF_PHYSICIAN and facility_id is None:
        raise ValueError("a chief physician needs --facility (the facility id they run)")
    if not name or not password:
        raise ValueError("a user needs a name and a password")
    path = path or users_file()
    users = _read(path)
    entry: dict = {"role": role, "password_hash": bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()}
    if facility_id is not None:
        entry["facility_id"] = int(facility_id)
    users[name] = entry
    _write(path, users)
    return User(name, role, facility_id)


def remove_user(name: str, *, path: Path | None = None) -> bool:
    path = path or users_file()
    users = _read(path)
    found = users.pop(name, None) is not None
    if found:
        _write(path, users)
    return found


def list_users(*, path: Path | None = None) -> list[User]:
    return [
        User(name, entry["role"], entry.get("facility_id"))
        for name, entry in sorted(_read(path or users_file()).items())
    ]


def authenticate(name: str, password: str, *, path: Path | None = None) -> User | None:
    """The user if the password matches, else None (no hint which of the two was wrong)."""
    entry = _read(path or users_file()).get(name)
    if entry is None or not password:
        return None
    if not bcrypt.checkpw(password.encode(), entry["password_hash"].encode()):
        return None
    return User(name, entry["role"], entry.get("facility_id"))


SESSION_SALT = "emias-dashboards-session"


def session_key_file(path: Path | None = None) -> Path:
    """The key that signs sign-in cookies: beside the users file, made on first use (delete it to sign
    everybody out)."""
    return (path or users_file()).with_name("dashboards_session.key")


def _signer(path: Path | None) -> itsdangerous.URLSafeTimedSerializer:
    key_file = session_key_file(path)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = key_file.with_suffix(".tmp")
        # created readable by its owner only: the key signs every session
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as fh:
            fh.write(secrets.token_urlsafe(32))
        tmp.replace(key_file)
    key = key_file.read_text(encoding="utf-8").strip()
    return itsdangerous.URLSafeTimedSerializer(key, salt=SESSION_SALT)


def _fingerprint(entry: dict) -> str:
    """Changes when the password does: a new password ends the sessions signed before it."""
    return hashlib.sha256(entry["password_hash"].encode()).hexdigest()[:16]


def session_token(name: str, *, path: Path | None = None) -> str:
    """A signed, timestamped token naming a user (the sign-in cookie's value); KeyError for no such user."""
    entry = _read(path or users_file())[name]
    return _signer(path).dumps({"name": name, "fp": _fingerprint(entry)})


def user_from_session(token: str, max_age: int, *, path: Path | None = None) -> User | None:
    """The user a session token names, if its signature holds, it is younger than max_age seconds, and the
    user is still in the users file with the same password; else None. Role and facility are read from the
    file now, so a changed role applies at the next page load."""
    try:
        claims = _signer(path).loads(token, max_age=max_age)
    except itsdangerous.BadData:
        return None
    entry = _read(path or users_file()).get(claims.get("name"))
    if entry is None or claims.get("fp") != _fingerprint(entry):
        return None
    return User(claims["name"], entry["role"], entry.get("facility_id"))


def demo_facility() -> int:
    """The demo chief physician's facility: the first adult polyclinic of the warehouse (1 before a build)."""
    try:
        from warehouse import read_mart

        rows = read_mart("dim_facilities", columns=["facility_id", "facility_kind"], order_by=["facility_id"])
        polyclinics = rows.filter(rows["facility_kind"] == "adult_polyclinic")["facility_id"].to_list()
        return int((polyclinics or rows["facility_id"].to_list() or [1])[0])
    except Exception:  # no warehouse yet: any id will do until there is one
        return 1


def ensure_demo_users(facility_id: int | None = None, *, path: Path | None = None) -> list[str]:
    """Create one demo user per role (password `demo`) when the file has no users; return the names made."""
    path = path or users_file()
    if _read(path):
        return []
    if facility_id is None:
        facility_id = demo_facility()
    made = []
    for role in ROLES:
        add_user(role, DEMO_PASSWORD, role, facility_id if role == CHIEF_PHYSICIAN else None, path=path)
        made.append(role)
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.users", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user, or replace one of the same name")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument("--facility", type=int, help="facility id (chief physicians)")
    add.add_argument("--password", help="the password (prompted when omitted)")
    remove = commands.add_parser("remove", help="remove a user")
    remove.add_argument("name")
    commands.add_parser("list", help="list the users")
    demo = commands.add_parser("demo", help="one demo user per role (password 'demo') if there are none")
    demo.add_argument(
        "--facility", type=int, help="the demo chief physician's facility (default: the first polyclinic)"
    )
    args = parser.parse_args(argv)
    path = users_file()
    try:
        if args.command == "add":
            password = args.password or getpass.getpass(f"password for {args.name}: ")
            user = add_user(args.name, password, args.role, args.facility, path=path)
            print(f"added {user.name} ({ROLES[user.role]}) to {path}")
        elif args.command == "remove":
            print(f"removed {args.name}" if remove_user(args.name, path=path) else f"no user {args.name}")
        elif args.command == "list":
            for user in list_users(path=path):
                facility = f", facility {user.facility_id}" if user.facility_id is not None else ""
                print(f"{user.name}: {ROLES[user.role]}{facility}")
        else:
            made = ensure_demo_users(args.facility, path=path)
            if made:
                print(f"demo users {', '.join(made)} (password '{DEMO_PASSWORD}') in {path}")
            else:
                print(f"users already exist in {path}: no demo users added")
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

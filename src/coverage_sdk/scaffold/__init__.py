"""``coverage-sdk new-plugin``: a complete, installable policy plugin project to start from.

The project has a pyproject with the ``coverage_sdk`` entry point, a package with one small
working policy written with :mod:`coverage_sdk.policy.authoring`, the policy document it quotes,
an example case, a README with the versions, criteria and interpretations tables, and
tests that pass as generated, the conformance suite among them (docs/writing-a-plugin.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.resources
import os
import re
from pathlib import Path
from string import Template

from coverage_sdk.errors import InputError
from coverage_sdk.hookspecs import hookimpl
from coverage_sdk.host.evaluate import sdk_version
from coverage_sdk.host.manager import POLICY_ID

CPT = re.compile(r"[0-9]{4}[0-9A-Z]")

# template -> path in the project; both may use the placeholders of _placeholders()
FILES = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "policy-document.txt.tmpl": "policy/$policy_id.txt",
    "__init__.py.tmpl": "src/$package/__init__.py",
    "plugin.py.tmpl": "src/$package/plugin.py",
    "policy.py.tmpl": "src/$package/policy.py",
    "example-case.json.tmpl": "examples/$policy_id-rectal-close-margins.json",
    "test_policy.py.tmpl": "tests/test_policy.py",
    "test_conformance.py.tmpl": "tests/test_conformance.py",
}
# with --document: the payer's own text, and a skeleton policy that cites it
SKELETON = {
    **{template: target for template, target in FILES.items() if template != "policy-document.txt.tmpl"},
    "README.md.tmpl": None,
    "policy.py.tmpl": None,
    "test_policy.py.tmpl": None,
    "README-skeleton.md.tmpl": "README.md",
    "policy-skeleton.py.tmpl": "src/$package/policy.py",
    "test_policy-skeleton.py.tmpl": "tests/test_policy.py",
}


def _placeholders(policy_id: str, payer: str, title: str, codes: tuple[str, ...]) -> dict[str, str]:
    snake = policy_id.replace("-", "_")
    major, minor = (int(part) for part in [*sdk_version().split("+")[0].split("."), "0"][:2])
    return {
        "policy_id": policy_id,
        "payer": payer,
        "title": title,
        "codes_python": repr(codes),
        "codes_text": ", ".join(codes),
        "codes_document": "\n".join(f"CPT {code}" for code in codes),
        "example_code": codes[-1],
        "distribution": f"coverage-sdk-{policy_id}",
        "package": f"coverage_sdk_{snake}",
        "entry_point": snake,
        "sdk_range": f">={major}.{minor},<{major}.{minor + 1}",
    }


def create_plugin(
    directory: str | os.PathLike[str], policy_id: str, payer: str | None = None, *,
    title: str = "Intraoperative Radiation Therapy", codes: tuple[str, ...] = ("77424", "77425"),
    document: str | os.PathLike[str] | None = None, effective_from: dt.date = dt.date(2024, 1, 1),
) -> Path:  # fmt: skip
    """Write a plugin project for ``policy_id`` into ``directory`` (new or empty); return its path.

    ``payer`` defaults to the first word of the policy id, capitalised (``acme-iort`` -> Acme).
    ``title`` and ``codes`` (CPT) name the policy and its services everywhere in the project;
    the example rules stay the generated example's until you replace them. With ``document``
    (the payer's policy text) the project holds that text and a skeleton policy in force from
    ``effective_from`` that sends every request to clinical review, citing the document's
    first sentence, until its criteria are encoded.
    """
    codes = tuple(code.strip().upper() for code in codes if code.strip())
    if not codes or not all(CPT.fullmatch(code) for code in codes):
        raise InputError(f"expected CPT codes like 77424,77425, got {', '.join(codes) or 'none'}", location="--codes")
    if not title.strip() or any(ch in title for ch in '"\\\n$'):
        raise InputError("expected a one-line title without quotes, backslashes or $", location="--title")
    if not POLICY_ID.fullmatch(policy_id):
        raise InputError(
            f"{policy_id!r} is not a policy id: lowercase letters and digits in words joined by hyphens, like acme-iort",
            location="--policy-id",
        )
    root = Path(directory)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise InputError("exists and is not an empty folder; choose a new one", source=str(root))
    values = _placeholders(policy_id, payer or policy_id.split("-")[0].capitalize(), title.strip(), codes)
    values["effective_from"] = effective_from.isoformat()
    values["example_date"] = "2024-09-12"
    files = FILES
    if document is not None:
        text = _document_text(document)
        values.update(_document_placeholders(text))
        values["example_date"] = (effective_from + dt.timedelta(days=30)).isoformat()
        files = {template: target for template, target in SKELETON.items() if target}
        (root / "policy").mkdir(parents=True, exist_ok=True)
        (root / "policy" / f"{policy_id}.txt").write_text(text, encoding="utf-8")
    templates = importlib.resources.files("coverage_sdk.scaffold").joinpath("templates")
    for template, target in files.items():
        path = root / Template(target).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = templates.joinpath(template).read_text(encoding="utf-8")
        path.write_text(Template(text).substitute(values), encoding="utf-8")
    return root.resolve()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _document_text(document: str | os.PathLike[str]) -> str:
    try:
        return Path(document).read_bytes().decode("utf-8")
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror})", source=str(document), location="--document") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", source=str(document), location="--document") from None


def _document_placeholders(text: str) -> dict[str, str]:
    """The document's title (its first line) and first sentence of four words or more, as Python literals."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    sentences = [line for line in lines[1:] if len(line.split()) >= 4]
    if not sentences:
        raise InputError("expected a title line and at least one sentence of four words or more", location="--document")
    return {
        "document_title": repr(lines[0]),
        "first_sentence": repr(sentences[0]),
        "first_sentence_text": sentences[0].replace("|", "\\|"),
    }


def cmd_new_plugin(args: argparse.Namespace) -> int:
    root = create_plugin(
        args.directory, args.policy_id, args.payer, title=args.title, codes=tuple(args.codes.split(",")),
        document=args.document, effective_from=args.effective_from,
    )  # fmt: skip
    print(f"Created the plugin project {root} for policy {args.policy_id}.")
    print("Next:")
    print(f"  cd {args.directory}")
    print("  pip install -e '.[test]'")
    print("  coverage-sdk policies")
    print("  pytest")
    return 0


@hookimpl
def coverage_sdk_add_commands(subparsers: argparse._SubParsersAction) -> None:
    """The ``new-plugin`` subcommand (``coverage-sdk new-plugin DIR --policy-id ID [--payer NAME]``)."""
    p = subparsers.add_parser("new-plugin", help="create a policy plugin project to start from")
    p.add_argument("directory", metavar="DIR", help="the project folder to create (new or empty)")
    p.add_argument("--policy-id", required=True, metavar="ID", help="the policy id, e.g. acme-iort")
    p.add_argument("--payer", metavar="NAME", help="the payer's name (default: from the policy id)")
    p.add_argument("--title", default="Intraoperative Radiation Therapy", help="the policy's title")
    p.add_argument("--codes", default="77424,77425", metavar="CPT,CPT", help="the CPT codes the policy decides")
    p.add_argument("--document", metavar="FILE", help="the payer's policy text: the project cites it and starts as a skeleton")
    p.add_argument("--effective-from", type=_date, default=dt.date(2024, 1, 1), metavar="YYYY-MM-DD",
                   help="with --document: the date the policy took effect (default 2024-01-01)")  # fmt: skip
    p.set_defaults(func=cmd_new_plugin)

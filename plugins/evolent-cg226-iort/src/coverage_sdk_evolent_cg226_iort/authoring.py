"""Two additions to :mod:`coverage_sdk.policy.authoring` that CG_226 needs and the core lacks (yet).

- :func:`judged`: a leaf criterion that may be decided on part of its facts. The core's
  ``Condition`` is unknown as soon as one of its facts is; "is this electronic
  brachytherapy?" is answered by the device name alone, or by the technique alone.
- :class:`SiteRule` and :class:`SitePolicy`: a rule that speaks for some tumor sites only.
  When no rule is met the core explains every favourable rule's requirement; CG_226 has one
  rule per site, so a breast case would also be told what rectal cancer needs. A
  ``SitePolicy`` keeps the requirements of the rules for the case's own site.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs
from coverage_sdk.policy.authoring import Answer, Citation, Criterion, Policy, Rule
from coverage_sdk.policy.facts import Facts, label
from coverage_sdk.policy.model import Audit, Case, Determination, Result, TumorSite


@attrs.frozen
class Judgement:
    """A test over facts, some of which may be unknown: ``decide`` returns True, False or None."""

    needs: tuple[str, ...]
    decide: Callable[..., bool | None]
    describe: Callable[..., str]

    def evaluate(self, facts: Facts) -> Answer:
        values = [facts.get(path) for path in self.needs]
        decided = self.decide(*values)
        if decided is None:
            return Answer(Result.UNKNOWN, tuple((p, f"{label(p)} is not given") for p, v in zip(self.needs, values) if v is None))
        return Answer(Result.MET if decided else Result.NOT_MET)

    def explain(self, facts: Facts) -> str:
        return self.describe(*[facts.get(path) for path in self.needs])


def judged(
    id: str, text: str, citation: Citation, needs: Sequence[str], decide: Callable[..., bool | None],
    describe: Callable[..., str], *, interpretation: str | None = None,
) -> Criterion:  # fmt: skip
    """A leaf criterion decided by ``decide`` over the values of ``needs`` (None where unknown)."""
    return Criterion(id, text, citation, Judgement(tuple(needs), decide, describe), interpretation=interpretation)


@attrs.frozen
class SiteRule(Rule):
    """A rule for the tumor sites in ``sites``: its requirement is explained to those only."""

    sites: frozenset[TumorSite] = attrs.field(kw_only=True, converter=frozenset)


@attrs.frozen
class SitePolicy(Policy):
    """A :class:`Policy` whose adverse reasons explain only the rules of the case's tumor site."""

    def evaluate(self, case: Case, audit: Audit) -> Determination:
        determination = super().evaluate(case, audit)
        version = self.version_for(case.date_of_service)
        if version is None:
            return determination
        site = Facts(case, self.derived).get("tumor.site")
        elsewhere = tuple(
            rule.requirement for rule in version.rules
            if isinstance(rule, SiteRule) and rule.requirement and site not in rule.sites
        )  # fmt: skip
        return attrs.evolve(determination, reasons=[r for r in determination.reasons if not r.startswith(elsewhere)])

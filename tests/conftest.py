"""Settings for the whole suite.

Hypothesis's per-example deadline measures speed, and speed goals live in
the benchmarks, never in unit tests: on a shared two-core machine the first
example of a property (which builds the converter or compiles a record
type's writer) can take longer than any fixed deadline. So no deadline; the
number of examples stays bounded per test.
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("antidrug", deadline=None)
settings.load_profile("antidrug")

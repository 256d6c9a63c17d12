"""finance_core.execution.almgren_chriss: the refusals of bad Almgren-Chriss inputs.

The Almgren-Chriss paper example (numbers) lives in tests/reference/.
"""

from __future__ import annotations

import pytest

from finance_core import execution as ex
from finance_core.errors import DataError


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: ex.almgren_chriss(100, 0, 5, 0.1, 1e-6, 0, 0, 0), "horizon must be greater than zero"),
        (lambda: ex.almgren_chriss(100, 1, 5, 0.1, 1e-6, 0, 0, -1), "risk aversion"),
        (lambda: ex.almgren_chriss(100, 5, 1, 0.1, 1e-6, 1e-5, 0, 0), "eta - gamma"),
    ],
)
def test_bad_almgren_chriss_input_is_refused_with_a_reason(call, words):
    with pytest.raises(DataError) as err:
        call()
    assert words in str(err.value)

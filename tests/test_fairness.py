"""Points follow behaviour: a correct implementation that lacks one option loses only that
option's points, and the feedback names the option.

Each case is a copy of solutions/ with one option taken away the way a student's code lacks
it (a cs231n port has no 'he', draws from an unseeded generator, or never tried
``hidden_dims=[]``). The test names exactly which checks fail.
"""
import pytest

from checks.grader import Grader
from support import edited_solutions

INIT = "FullyConnectedNet.__init__"
LOSS = "FullyConnectedNet.loss"

_NAMED_SCALES = '''            if weight_scale == "he":
                std = np.sqrt(2.0 / fan_in)
            elif weight_scale == "xavier":
                std = np.sqrt(1.0 / fan_in)
            else:
                std = weight_scale
'''

CASES = [
    ("only a float weight_scale (cs231n's weight_scale * randn)", "fc_net", _NAMED_SCALES,
     "            std = weight_scale\n", [f"{INIT}: 'he' and 'xavier'"], "weight_scale='he'"),
    ("an unseeded generator", "fc_net", "        rng = np.random.default_rng(seed)\n        dims",
     "        rng = np.random.default_rng()\n        dims",
     [f"{INIT}: seed"], "built twice gives different"),
    ("a net that assumes a hidden layer", "fc_net", "        self.params = {}\n",
     "        self.params = {}\n        width = hidden_dims[0]  # noqa: F841\n",
     [f"{INIT}: no hidden layer", f"{LOSS}: no hidden layer"], "hidden_dims=[]"),
]


@pytest.mark.parametrize("label, module, old, new, failing, named", CASES, ids=[c[0] for c in CASES])
def test_a_missing_option_costs_only_its_own_check(tmp_path, label, module, old, new, failing, named):
    report = Grader(only=module).grade(edited_solutions(tmp_path, module, old, new))
    failed = [r for r in report.results if not r.passed]
    assert [r.name for r in failed] == failing, [(r.name, r.feedback) for r in failed]
    assert named in failed[0].feedback, failed[0].feedback
    lost = sum(r.max_score for r in failed)
    assert lost == report.max_score - report.score and lost <= 2

"""Checks for the implement-it exercises: a student writes a function, a check runs it
on seeded and edge-case inputs against the package's (or the library's) own version and
says which case differs.

One module per chapter (``ch01`` … ``ch11``); each ``check_*`` takes the student's
function, raises ``AssertionError`` naming the first case that differs (input, expected,
got) and returns a one-line summary when every case passes. A check is tested against a
correct and a deliberately broken implementation (``tests/test_exercises_chNN.py``).

Layer: exercises (above every other layer; imports whatever it checks against).
"""

# Each chapter module appends its import line and its names below (append-only).
__all__: list[str] = []
from .ch07 import check_kmer_tokeniser  # noqa: E402

__all__ += ["check_kmer_tokeniser"]
from .ch08 import check_ism  # noqa: E402

__all__ += ["check_ism"]
from .ch09 import check_masked_bce  # noqa: E402

__all__ += ["check_masked_bce"]
from .ch10 import check_ece  # noqa: E402

__all__ += ["check_ece"]
from .ch11 import check_masked_cross_entropy  # noqa: E402

__all__ += ["check_masked_cross_entropy"]
from .ch01 import check_one_hot  # noqa: E402

__all__ += ["check_one_hot"]
from .ch02 import check_mlp_forward  # noqa: E402

__all__ += ["check_mlp_forward"]
from .ch03 import check_pwm_scan  # noqa: E402

__all__ += ["check_pwm_scan"]
from .ch04 import check_ctc_loss  # noqa: E402

__all__ += ["check_ctc_loss"]
from .ch05 import check_pca  # noqa: E402

__all__ += ["check_pca"]
from .ch06 import check_sage_layer  # noqa: E402

__all__ += ["check_sage_layer"]

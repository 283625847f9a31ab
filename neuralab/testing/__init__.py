"""Testing tools: gradient checks, OpInfo-style op records, dtype tolerances."""
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .opinfo import RECORDS, OpRecord, all_records, register
from .tolerances import tolerance

__all__ = ["GradcheckError", "OpRecord", "RECORDS", "all_records", "gradcheck", "gradgradcheck", "register",
           "tolerance"]

"""Customer API (/api/customers/…): one view per portal operation, the signed-in customer only.

No endpoint takes a customer id: every read and write is scoped to `request.user`'s own row.
The modules: base (shared view and serializers), account, face, wallet, rights."""

from customers.api.account import (
    ConsentGiveApi,
    ConsentListApi,
    ConsentRecordApi,
    ConsentWithdrawApi,
    PhoneCodeSendApi,
    PhoneVerifyApi,
    ProfileApi,
    SignUpApi,
)
from customers.api.base import (
    ConsentRecordOutput,
    CustomerApi,
    DeletionOutput,
    FaceUseOutput,
    ProfileOutput,
    StatementLineOutput,
    TemplateOutput,
    client_agent,
    client_ip,
    template_payload,
)
from customers.api.face import (
    EnrolmentChallengeApi,
    FaceEnrolApi,
    FaceTemplateApi,
)
from customers.api.rights import (
    AccountCloseApi,
    DeletionListApi,
    ExportApi,
    FaceUseListApi,
)
from customers.api.wallet import (
    FacePaySwitchApi,
    LimitsApi,
    PaymentCodeApi,
    PaymentPinApi,
    WalletApi,
    WalletTopUpApi,
    WalletWithdrawApi,
)

__all__ = [
    "AccountCloseApi",
    "ConsentGiveApi",
    "ConsentListApi",
    "ConsentRecordApi",
    "ConsentRecordOutput",
    "ConsentWithdrawApi",
    "CustomerApi",
    "DeletionListApi",
    "DeletionOutput",
    "EnrolmentChallengeApi",
    "ExportApi",
    "FaceEnrolApi",
    "FacePaySwitchApi",
    "FaceTemplateApi",
    "FaceUseListApi",
    "FaceUseOutput",
    "LimitsApi",
    "PaymentCodeApi",
    "PaymentPinApi",
    "PhoneCodeSendApi",
    "PhoneVerifyApi",
    "ProfileApi",
    "ProfileOutput",
    "SignUpApi",
    "StatementLineOutput",
    "TemplateOutput",
    "WalletApi",
    "WalletTopUpApi",
    "WalletWithdrawApi",
    "client_agent",
    "client_ip",
    "template_payload",
]
